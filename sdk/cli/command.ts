import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes';
import type { ProgressRenderer } from './progress-renderer';

export interface OptionSpec {
  /** The long name, without the leading `--`. */
  name: string;
  short?: string;
  /** The value's placeholder in help (`URL`); an option without one is a flag. */
  value?: string;
  description: string;
  /** Shown as "(default: …)". */
  defaultText?: string;
  required?: boolean;
}

export interface CommandContext {
  api: string;
  token: string;
  options: Record<string, string | undefined>;
  positionals: string[];
  /** Fires on Ctrl-C: the command stops its transfers. */
  signal: AbortSignal;
  /** Progress lines on stderr, or undefined when progress is off. */
  progress(label: string): ProgressRenderer | undefined;
  /** A message for the user on stderr, kept apart from progress lines. */
  note(message: string): void;
}

export interface Command {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Positional arguments as shown in the usage line, e.g. "FILE" or "SUBMISSION_ID...". */
  operands: string;
  positionals: { min: number; max: number };
  /** What the command does, one paragraph (help wraps it). */
  description: string;
  options: OptionSpec[];
  run(context: CommandContext): Promise<void>;
}

export const tokenVariable = 'STORAGE_MANAGER_TOKEN';
export const apiVariable = 'STORAGE_MANAGER_API';

/** Options every command takes, after its own. */
export const commonOptions: OptionSpec[] = [
  { name: 'api', value: 'URL', description: 'base URL of the gateway', defaultText: `$${apiVariable}` },
  {
    name: 'token',
    value: 'TOKEN',
    description: `access token, overriding $${tokenVariable}; unsafe: the command line is visible to every user of the machine (ps)`,
  },
  { name: 'progress', description: 'show progress on stderr even when it is not a terminal' },
  { name: 'no-progress', description: 'never show progress' },
  { name: 'help', short: 'h', description: 'show this help and exit' },
];

export const tokenWarning =
  `storage-manager: warning: --token puts the token in the process's arguments, which every user of this machine can ` +
  `read (ps, /proc/PID/cmdline), and in shell history; set ${tokenVariable} instead`;

/** True when the arguments ask for help: `-h` or `--help` anywhere before a `--` terminator. */
export function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

export interface ParsedCommandLine {
  api: string;
  token: string;
  /** Whether `--token` was used (the caller warns). */
  tokenFromArgument: boolean;
  progress: boolean | undefined;
  options: Record<string, string | undefined>;
  positionals: string[];
}

function parseApi(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`the gateway URL is not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`the gateway URL must be http or https: ${value}`);
  return value;
}

/**
 * Reads a command's arguments and the environment. Throws UsageError for anything that stops the
 * command from running: an unknown option, a missing required option or operand, no gateway URL,
 * no token. `progress` is undefined when neither `--progress` nor `--no-progress` was given.
 */
export function parseCommandLine(command: Command, args: string[], env: NodeJS.ProcessEnv): ParsedCommandLine {
  const specs = [...command.options, ...commonOptions];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(
        specs.map((spec) => [
          spec.name,
          { type: spec.value ? 'string' : 'boolean', ...(spec.short ? { short: spec.short } : {}) } as const,
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util parseArgs throws a TypeError (ERR_PARSE_ARGS_*) naming the offending option.
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const options: Record<string, string | undefined> = {};
  for (const spec of command.options) {
    const value = values[spec.name];
    if (typeof value === 'string') options[spec.name] = value;
    else if (spec.required) throw new UsageError(`--${spec.name} ${spec.value} is required`);
  }
  const { positionals } = parsed;
  const { min, max } = command.positionals;
  if (positionals.length < min) throw new UsageError(`${command.operands} is missing`);
  if (positionals.length > max) throw new UsageError(`unexpected argument: ${positionals[max]}`);

  const api = (values.api as string | undefined) ?? env[apiVariable];
  if (!api) throw new UsageError(`no gateway URL: set ${apiVariable} or pass --api URL`);
  const tokenArgument = values.token as string | undefined;
  const token = tokenArgument ?? env[tokenVariable];
  if (!token) throw new UsageError(`no token: set ${tokenVariable} to an access token (a Supabase session's)`);
  const progress = values['no-progress'] ? false : values.progress ? true : undefined;
  return {
    api: parseApi(api),
    token,
    tokenFromArgument: tokenArgument !== undefined,
    progress,
    options,
    positionals,
  };
}
