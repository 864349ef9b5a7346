/**
 * Typed failures of the ZIP planner. Every one is a programming or data error upstream (the
 * caller builds member names and records sizes and CRCs), so routes map them to a 500 or a 400
 * as they see fit; the planner never guesses a fix.
 */
export type ZipPlanErrorKind =
  | 'invalid_name'
  | 'duplicate_name'
  | 'invalid_size'
  | 'invalid_crc32'
  | 'invalid_time'
  | 'crc32_unknown'
  | 'invalid_range';

export class ZipPlanError extends Error {
  override name = 'ZipPlanError';
  constructor(
    readonly kind: ZipPlanErrorKind,
    message: string,
  ) {
    super(message);
  }
}
