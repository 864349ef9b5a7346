import { rmSync } from 'node:fs';
import { gatewayClient } from '../gateway';
import { downloadResumable } from '../resumable-download';
import type { CreateBundleResponse } from '../types';
import type { Command } from './command';

/** `bundle`: creates the bundle and downloads it, resuming with Range (If-Range: its ETag) when cut. */
export const bundleCommand: Command = {
  name: 'bundle',
  summary: 'bundle submissions into one ZIP and download it',
  operands: 'SUBMISSION_ID...',
  positionals: { min: 1, max: Number.POSITIVE_INFINITY },
  description:
    "Creates a bundle of the submissions (a ZIP the gateway streams) and downloads it to the --out file, resuming with Range and If-Range when the transfer is cut. Prints the bundle's id, size, entries and the file as JSON.",
  options: [{ name: 'out', value: 'FILE', description: 'where to write the ZIP (replaced)', required: true }],
  async run({ api, token, options, positionals, signal, progress, note }) {
    const request = gatewayClient({ api, token });
    const bundle = await request<CreateBundleResponse>('POST', '/v1/bundles', { submissionIds: positionals }, signal);
    const out = options.out!;
    rmSync(out, { force: true });
    await downloadResumable({
      out,
      bytes: bundle.bytes,
      url: async () => bundle.url,
      onProgress: progress(out)?.update,
      onInterrupted: note,
      signal,
    });
    process.stdout.write(`${JSON.stringify({ id: bundle.id, bytes: bundle.bytes, entries: bundle.entries, out })}\n`);
  },
};
