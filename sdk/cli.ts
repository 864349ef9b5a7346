import { createWriteStream, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gatewayClient } from './gateway';
import { fromFile } from './node-file';
import type { CreateBundleResponse } from './types';
import { upload } from './upload';

const usage = `usage:
  storage-manager upload --api URL --token T --task ID FILE [--concurrency N] [--content-type TYPE]
  storage-manager bundle --api URL --token T --out FILE SUBMISSION_ID...`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const progressOnTerminal = (label: string) => (progress: { uploadedBytes: number; totalBytes: number }) => {
  if (!process.stderr.isTTY) return;
  const percent = progress.totalBytes === 0 ? 100 : Math.floor((progress.uploadedBytes / progress.totalBytes) * 100);
  process.stderr.write(`\r${label} ${percent}% (${progress.uploadedBytes}/${progress.totalBytes} bytes)`);
  if (progress.uploadedBytes === progress.totalBytes) process.stderr.write('\n');
};

/**
 * `upload`: an interrupted multipart upload of the same file (same size and modification time)
 * resumes from the parts S3 holds; the submission id is kept beside the file until it completes.
 */
async function uploadCommand(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: { api: { type: 'string' }, token: { type: 'string' }, task: { type: 'string' }, concurrency: { type: 'string' }, 'content-type': { type: 'string' } },
    allowPositionals: true,
  });
  const [path] = positionals;
  if (!values.api || !values.token || !values.task || !path || positionals.length !== 1) fail(usage);
  const source = await fromFile(path, values['content-type']);
  const stateFile = `${path}.storage-manager.json`;
  const saved = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { submissionId: string; size: number; modifiedMs: number }) : undefined;
  const resume = saved && saved.size === source.size && saved.modifiedMs === source.modifiedMs ? saved.submissionId : undefined;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  const submission = await upload(source, {
    api: values.api,
    token: values.token,
    taskId: values.task,
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    resume,
    onSubmission: (submissionId) => writeFileSync(stateFile, JSON.stringify({ submissionId, size: source.size, modifiedMs: source.modifiedMs })),
    onProgress: progressOnTerminal(path),
  });
  rmSync(stateFile, { force: true });
  process.stdout.write(`${JSON.stringify(submission)}\n`);
}

/** `bundle`: creates the bundle and downloads it, resuming with Range (If-Range: its ETag) when cut. */
async function bundleCommand(args: string[]) {
  const { values, positionals } = parseArgs({ args, options: { api: { type: 'string' }, token: { type: 'string' }, out: { type: 'string' } }, allowPositionals: true });
  if (!values.api || !values.token || !values.out || positionals.length === 0) fail(usage);
  const request = gatewayClient({ api: values.api, token: values.token });
  const bundle = await request<CreateBundleResponse>('POST', '/v1/bundles', { submissionIds: positionals });
  const out = values.out;
  rmSync(out, { force: true });
  let etag: string | null = null;
  for (let attempt = 0; attempt < 10; attempt++) {
    const have = existsSync(out) ? statSync(out).size : 0;
    if (have === bundle.bytes) break;
    const headers: Record<string, string> = have > 0 && etag ? { range: `bytes=${have}-`, 'if-range': etag } : {};
    try {
      const response = await fetch(bundle.url, { headers });
      if (!response.ok || !response.body) throw new Error(`download answered ${response.status}`);
      etag = response.headers.get('etag');
      const append = response.status === 206;
      const file = createWriteStream(out, { flags: append ? 'a' : 'w' });
      let written = append ? have : 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
        written += chunk.byteLength;
        progressOnTerminal(out)({ uploadedBytes: written, totalBytes: bundle.bytes });
      }
      await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
    } catch (error) {
      process.stderr.write(`download interrupted (${(error as Error).message}); resuming\n`);
      await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
    }
  }
  if (!existsSync(out) || statSync(out).size !== bundle.bytes) fail(`could not download ${bundle.bytes} bytes to ${out}`);
  process.stdout.write(`${JSON.stringify({ id: bundle.id, bytes: bundle.bytes, entries: bundle.entries, out })}\n`);
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { upload: uploadCommand, bundle: bundleCommand };
const run = command ? commands[command] : undefined;
if (!run) fail(usage);
run(rest).catch((error: Error) => {
  process.stderr.write(`${error.name}: ${error.message}\n`);
  process.exit(1);
});
