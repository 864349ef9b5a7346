import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fromFile } from '../node-file';
import { defaultConcurrency, upload } from '../upload';
import type { Command } from './command';
import { UsageError } from './exit-codes';

interface SavedUpload {
  submissionId: string;
  size: number;
  modifiedMs: number;
}

function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,3}$/.test(value))
    throw new UsageError(`--concurrency must be a whole number from 1 to 9999: ${value}`);
  return Number(value);
}

/**
 * `upload`: an interrupted multipart upload of the same file (same size and modification time)
 * resumes from the parts S3 holds; the submission id is kept beside the file until it completes.
 * Ctrl-C aborts the upload in S3 too, so its state file goes with it.
 */
export const uploadCommand: Command = {
  name: 'upload',
  summary: 'upload a file as a submission to a task',
  operands: 'FILE',
  positionals: { min: 1, max: 1 },
  description:
    'Uploads FILE straight to object storage as a submission to the task: one PUT, or a multipart upload with parts sent in parallel and retried; the gateway then verifies size and SHA-256. Prints the submission as JSON. An upload cut short (network, crash) resumes when the same file is uploaded again: its submission id is kept in FILE.storage-manager.json until the upload completes. Ctrl-C aborts the upload, in object storage too.',
  options: [
    { name: 'task', value: 'ID', description: 'the task the submission belongs to', required: true },
    {
      name: 'content-type',
      value: 'TYPE',
      description: 'media type of the file',
      defaultText: 'application/octet-stream',
    },
    {
      name: 'concurrency',
      value: 'N',
      description: 'parts uploaded at once in a multipart upload',
      defaultText: String(defaultConcurrency),
    },
  ],
  async run({ api, token, options, positionals, signal, progress }) {
    const concurrency = parseConcurrency(options.concurrency);
    const path = positionals[0]!;
    const source = await fromFile(path, options['content-type']);
    const stateFile = `${path}.storage-manager.json`;
    const saved = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as SavedUpload) : undefined;
    const resume =
      saved && saved.size === source.size && saved.modifiedMs === source.modifiedMs ? saved.submissionId : undefined;
    const renderer = progress(path);
    try {
      const submission = await upload(source, {
        api,
        token,
        taskId: options.task!,
        concurrency,
        resume,
        signal,
        onSubmission: (submissionId) =>
          writeFileSync(stateFile, JSON.stringify({ submissionId, size: source.size, modifiedMs: source.modifiedMs })),
        onProgress: renderer?.update,
      });
      rmSync(stateFile, { force: true });
      process.stdout.write(`${JSON.stringify(submission)}\n`);
    } catch (error) {
      if (signal.aborted) rmSync(stateFile, { force: true });
      throw error;
    }
  },
};
