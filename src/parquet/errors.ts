/**
 * Typed failures of the Parquet planner. Each is a data or programming error upstream (the rows
 * come from the database, the options from code), so callers map them to a 4xx or 500 as they
 * see fit; the planner never guesses a fix.
 */
export type ParquetPlanErrorKind = 'empty' | 'invalid_row' | 'invalid_options' | 'value_too_large' | 'page_too_large';

export class ParquetPlanError extends Error {
  override name = 'ParquetPlanError';
  constructor(
    readonly kind: ParquetPlanErrorKind,
    message: string,
  ) {
    super(message);
  }
}
