import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gatewayClient } from './gateway';
import { fromFile } from './node-file';
import { downloadResumable } from './resumable-download';
import type { CreateBundleResponse, DatasetDownloadUrlResponse } from './types';
import { upload } from './upload';

const usage = `usage:
  storage-manager upload --api URL --token T --task ID FILE [--concurrency N] [--content-type TYPE]
  storage-manager bundle --api URL --token T --out FILE SUBMISSION_ID...
  storage-manager dataset --api URL --token T --out FILE DATASET_ID`;

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
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      task: { type: 'string' },
      concurrency: { type: 'string' },
      'content-type': { type: 'string' },
    },
    allowPositionals: true,
  });
  const [path] = positionals;
  if (!values.api || !values.token || !values.task || !path || positionals.length !== 1) fail(usage);
  const source = await fromFile(path, values['content-type']);
  const stateFile = `${path}.storage-manager.json`;
  const saved = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { submissionId: string; size: number; modifiedMs: number })
    : undefined;
  const resume =
    saved && saved.size === source.size && saved.modifiedMs === source.modifiedMs ? saved.submissionId : undefined;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  const submission = await upload(source, {
    api: values.api,
    token: values.token,
    taskId: values.task,
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    resume,
    onSubmission: (submissionId) =>
      writeFileSync(stateFile, JSON.stringify({ submissionId, size: source.size, modifiedMs: source.modifiedMs })),
    onProgress: progressOnTerminal(path),
  });
  rmSync(stateFile, { force: true });
  process.stdout.write(`${JSON.stringify(submission)}\n`);
}

/** `bundle`: creates the bundle and downloads it, resuming with Range (If-Range: its ETag) when cut. */
async function bundleCommand(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: { api: { type: 'string' }, token: { type: 'string' }, out: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.api || !values.token || !values.out || positionals.length === 0) fail(usage);
  const request = gatewayClient({ api: values.api, token: values.token });
  const bundle = await request<CreateBundleResponse>('POST', '/v1/bundles', { submissionIds: positionals });
  const out = values.out;
  rmSync(out, { force: true });
  await downloadResumable({
    out,
    bytes: bundle.bytes,
    url: async () => bundle.url,
    onProgress: progressOnTerminal(out),
  }).catch((error: Error) => fail(error.message));
  process.stdout.write(`${JSON.stringify({ id: bundle.id, bytes: bundle.bytes, entries: bundle.entries, out })}\n`);
}

/**
 * `dataset`: downloads a dataset's archive straight from object storage, resuming a cut transfer.
 * A URL lives at most 15 minutes and each one is a row in the access log, so a new one is asked
 * for only when the current one is about to expire.
 */
async function datasetCommand(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: { api: { type: 'string' }, token: { type: 'string' }, out: { type: 'string' } },
    allowPositionals: true,
  });
  const [datasetId] = positionals;
  if (!values.api || !values.token || !values.out || !datasetId || positionals.length !== 1) fail(usage);
  const request = gatewayClient({ api: values.api, token: values.token });
  const path = `/v1/datasets/${encodeURIComponent(datasetId)}/download-url`;
  let link = await request<DatasetDownloadUrlResponse>('POST', path);
  const out = values.out;
  rmSync(out, { force: true });
  await downloadResumable({
    out,
    bytes: link.bytes,
    url: async () => {
      if (Date.parse(link.expiresAt) - Date.now() < 30_000)
        link = await request<DatasetDownloadUrlResponse>('POST', path);
      return link.url;
    },
    onProgress: progressOnTerminal(out),
  }).catch((error: Error) => fail(error.message));
  process.stdout.write(`${JSON.stringify({ id: datasetId, bytes: link.bytes, out })}\n`);
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = {
  upload: uploadCommand,
  bundle: bundleCommand,
  dataset: datasetCommand,
};
const run = command ? commands[command] : undefined;
if (!run) fail(usage);
run(rest).catch((error: Error) => {
  process.stderr.write(`${error.name}: ${error.message}\n`);
  process.exit(1);
});
