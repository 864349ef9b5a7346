import { apiVariable, type Command, commonOptions, type OptionSpec, tokenVariable } from './command';
import { exitCodes } from './exit-codes';

const program = 'storage-manager';

const columns = 80;

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** Two columns, the right one wrapped to fit an 80-column terminal. */
function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows
    .flatMap(([left, right]) =>
      wrap(right, columns - 2 - width).map((line, index) => `  ${(index === 0 ? left : '').padEnd(width)}${line}`),
    )
    .join('\n');
}

function optionRow(spec: OptionSpec): [string, string] {
  const names = `${spec.short ? `-${spec.short}, ` : ''}--${spec.name}${spec.value ? ` ${spec.value}` : ''}`;
  const notes = [spec.required ? 'required' : undefined, spec.defaultText ? `default: ${spec.defaultText}` : undefined]
    .filter(Boolean)
    .join('; ');
  return [names, notes ? `${spec.description} (${notes})` : spec.description];
}

const environment = table([
  [tokenVariable, 'access token sent as the bearer token (required unless --token is given)'],
  [apiVariable, 'base URL of the gateway, when --api is not given'],
]);

const exitStatuses = table([
  [String(exitCodes.success), 'success'],
  [
    String(exitCodes.failure),
    'the operation failed: the gateway or object storage refused or failed, or a file could not be read or written',
  ],
  [String(exitCodes.usage), 'usage error: unknown command or option, missing or invalid argument, no token'],
  [String(exitCodes.interrupted), 'interrupted (Ctrl-C)'],
]);

const progressNote = wrap(
  'Progress (bytes, rate, ETA) goes to stderr when it is a terminal, or always with --progress; the result goes to stdout as one JSON line.',
  columns,
).join('\n');

/** The one-line usage of a command: its required options, then its operands. */
export function usageLine(command: Command): string {
  const required = command.options
    .filter((spec) => spec.required)
    .map((spec) => ` --${spec.name} ${spec.value}`)
    .join('');
  return `usage: ${program} ${command.name} [options]${required} ${command.operands}`;
}

export function commandHelp(command: Command): string {
  return `${usageLine(command)}

${wrap(command.description, columns).join('\n')}

options:
${table([...command.options, ...commonOptions].map(optionRow))}

${progressNote}

environment:
${environment}

exit codes:
${exitStatuses}
`;
}

export function programHelp(commands: Command[]): string {
  return `usage: ${program} COMMAND [options] ARGUMENTS...

commands:
${table(commands.map((command) => [command.name, command.summary]))}

Run '${program} COMMAND --help' for a command's options. The token is read from
${tokenVariable}: a token on the command line is visible to every user of the machine.

environment:
${environment}

exit codes:
${exitStatuses}
`;
}

/** What a usage error prints after its message: the usage line and where to find more. */
export function usageHint(command: Command | undefined): string {
  return command
    ? `${usageLine(command)}\nRun '${program} ${command.name} --help' for its options.`
    : `usage: ${program} COMMAND [options] ARGUMENTS...\nRun '${program} --help' for the commands.`;
}
