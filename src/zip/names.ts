import { memberPathProblem } from '../containers/member-path';
import { ZipPlanError } from './errors';

const utf8 = new TextEncoder();

/** APPNOTE 4.4.10: the file name length is a 2-byte field. */
const maximumNameBytes = 0xffff;

/**
 * Guards a member name and returns its UTF-8 bytes. Callers build names from ids
 * (`<taskId>/<submissionId>.<ext>`), so a failure here is a bug upstream, and the guard refuses
 * anything that could escape the extraction directory (APPNOTE 4.4.17: relative paths, forward
 * slashes only, no drive or leading slash) or that TextEncoder would silently rewrite.
 */
export function encodeMemberName(name: string): Uint8Array {
  const refuse = (reason: string): never => {
    throw new ZipPlanError('invalid_name', `member name ${JSON.stringify(name)} ${reason}`);
  };
  const problem = memberPathProblem(name);
  if (problem !== null) refuse(problem);
  const bytes = utf8.encode(name);
  if (bytes.length > maximumNameBytes) refuse('is longer than 65535 bytes');
  return bytes;
}
