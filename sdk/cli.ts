import { bundleCommand } from './cli/bundle-command';
import { asksForHelp, type Command, parseCommandLine, tokenWarning } from './cli/command';
import { datasetCommand } from './cli/dataset-command';
import { exitCodes, InterruptedError, UsageError } from './cli/exit-codes';
import { commandHelp, programHelp, usageHint } from './cli/help';
import { type ProgressRenderer, progressRenderer } from './cli/progress-renderer';
import { uploadCommand } from './cli/upload-command';
import { GatewayError } from './gateway';

const commands: Command[] = [uploadCommand, bundleCommand, datasetCommand];
const findCommand = (name: string | undefined) => commands.find((command) => command.name === name);

function describeFailure(error: unknown): string {
  if (error instanceof GatewayError)
    return `${error.name}: ${error.status} ${error.code}: ${error.message}${error.requestId ? ` (request id ${error.requestId})` : ''}`;
  if (!(error instanceof Error)) return String(error);
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, a TLS error) is its cause.
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}

async function runCommand(command: Command, args: string[]): Promise<void> {
  const parsed = parseCommandLine(command, args, process.env);
  if (parsed.tokenFromArgument) process.stderr.write(`${tokenWarning}\n`);
  const showProgress = parsed.progress ?? Boolean(process.stderr.isTTY);
  const controller = new AbortController();
  // The first Ctrl-C stops the transfers cleanly (an upload is aborted in S3 too); a second one
  // gets Node's default and ends the process at once.
  process.once('SIGINT', () => controller.abort(new InterruptedError()));
  let renderer: ProgressRenderer | undefined;
  await command
    .run({
      api: parsed.api,
      token: parsed.token,
      options: parsed.options,
      positionals: parsed.positionals,
      signal: controller.signal,
      progress: (label) => {
        if (showProgress) renderer = progressRenderer({ label, output: process.stderr });
        return renderer;
      },
      note: (message) => (renderer ? renderer.note(message) : process.stderr.write(`${message}\n`)),
    })
    .catch((error: unknown) => {
      throw controller.signal.aborted ? controller.signal.reason : error;
    });
}

/** Prints what went wrong and returns the exit status it stands for. */
function reportFailure(error: unknown, command: Command | undefined): number {
  if (error instanceof UsageError) {
    const prefix = command ? `storage-manager ${command.name}` : 'storage-manager';
    process.stderr.write(`${prefix}: ${error.message}\n${usageHint(command)}\n`);
    return exitCodes.usage;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write('storage-manager: interrupted\n');
    return exitCodes.interrupted;
  }
  process.stderr.write(`${describeFailure(error)}\n`);
  return exitCodes.failure;
}

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? findCommand(rest[0]) : undefined;
    process.stdout.write(topic ? commandHelp(topic) : programHelp(commands));
    return exitCodes.success;
  }
  const command = findCommand(name);
  try {
    if (!command) throw new UsageError(name ? `unknown command: ${name}` : 'no command given');
    if (asksForHelp(rest)) {
      process.stdout.write(commandHelp(command));
      return exitCodes.success;
    }
    await runCommand(command, rest);
    return exitCodes.success;
  } catch (error) {
    return reportFailure(error, command);
  }
}

// process.exit only on failure: on success the event loop drains and stdout is flushed whole.
main(process.argv.slice(2)).then((status) => {
  if (status !== exitCodes.success) process.exit(status);
});
