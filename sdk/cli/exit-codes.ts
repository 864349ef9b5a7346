/**
 * The CLI's exit statuses, a closed set shown by `--help` and in the README. 130 follows the
 * shell convention for a process ended by a signal: 128 + the signal's number (SIGINT is 2).
 */
export const exitCodes = {
  success: 0,
  /** The operation failed: the gateway or object storage refused or failed, a file could not be read or written. */
  failure: 1,
  /** The command line is wrong: unknown command or option, a missing or invalid argument, no token. */
  usage: 2,
  /** Interrupted with Ctrl-C (SIGINT). */
  interrupted: 130,
} as const;

/** A command line the CLI cannot run; exits with `exitCodes.usage`. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The run was cut with Ctrl-C; exits with `exitCodes.interrupted`. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}
