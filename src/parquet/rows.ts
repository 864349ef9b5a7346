import { ParquetPlanError } from './errors';
import { largestMediaBytes } from './pages';
import type { MediaRow } from './types';

/**
 * Checks on each row before anything is laid out, so a bad row fails the plan with its id
 * rather than as a corrupt file: every value must be one the columns can hold exactly.
 */

/** A lone surrogate would become U+FFFD in UTF-8, so the file would not say what the row says. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const sha256Hex = /^[0-9a-f]{64}$/;

function invalid(row: MediaRow, message: string): never {
  throw new ParquetPlanError('invalid_row', `row ${JSON.stringify(String(row.id))}: ${message}`);
}

function checkString(row: MediaRow, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) invalid(row, `${field} must be a non-empty string`);
  if (loneSurrogate.test(value)) invalid(row, `${field} is not well-formed UTF-16`);
}

function checkDate(row: MediaRow, field: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) invalid(row, `${field} must be a valid Date`);
}

export function checkRow(row: MediaRow): void {
  checkString(row, 'id', row.id);
  checkString(row, 'taskId', row.taskId);
  checkString(row, 'contentType', row.contentType);
  checkString(row, 'path', row.path);
  if (row.sha256 !== null && (typeof row.sha256 !== 'string' || !sha256Hex.test(row.sha256)))
    invalid(row, 'sha256 must be null or 64 lower-case hex digits');
  checkDate(row, 'createdAt', row.createdAt);
  if (row.reviewedAt !== null) checkDate(row, 'reviewedAt', row.reviewedAt);
  if (!Number.isSafeInteger(row.memberIndex) || row.memberIndex < 0)
    invalid(row, `memberIndex ${row.memberIndex} must be a non-negative integer`);
  if (!Number.isSafeInteger(row.size) || row.size < 0) invalid(row, `size ${row.size} must be a non-negative integer`);
  if (row.size > largestMediaBytes) {
    throw new ParquetPlanError(
      'value_too_large',
      `row ${JSON.stringify(row.id)}: media of ${row.size} bytes is more than one Parquet value holds here (${largestMediaBytes})`,
    );
  }
}

/** Microseconds since the Unix epoch, exact (a Date holds whole milliseconds). */
export function epochMicros(date: Date): bigint {
  return BigInt(date.getTime()) * 1000n;
}
