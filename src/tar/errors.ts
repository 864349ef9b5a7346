/**
 * Typed failures of the tar planner. Each is a programming or data error upstream (the caller
 * builds member names and records sizes), so routes map them as they see fit; the planner never
 * guesses a fix.
 */
export type TarPlanErrorKind = 'invalid_name' | 'duplicate_name' | 'invalid_size' | 'invalid_time';

export class TarPlanError extends Error {
  override name = 'TarPlanError';
  constructor(
    readonly kind: TarPlanErrorKind,
    message: string,
  ) {
    super(message);
  }
}
