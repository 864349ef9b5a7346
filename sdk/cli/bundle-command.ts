import { rmSync } from 'node:fs';
import { gatewayClient } from '../gateway';
import { downloadResumable } from '../resumable-download';
import type { CreateBundleResponse } from '../types';
import type { Command } from './command';
import { UsageError } from './exit-codes';

/** `bundle`: creates the bundle and downloads it, resuming with Range (If-Range: its ETag) when cut. */
export const bundleCommand: Command = {
  name: 'bundle',
  summary: 'bundle submissions into one ZIP or tar and download it',
  operands: 'SUBMISSION_ID...',
  positionals: { min: 1, max: Number.POSITIVE_INFINITY },
  description:
    "Creates a bundle of the submissions (a ZIP or tar the gateway streams) and downloads it to the --out file, resuming with Range and If-Range when the transfer is cut. Prints the bundle's id, format, size, entries and the file as JSON.",
  options: [
    { name: 'out', value: 'FILE', description: 'where to write the archive (replaced)', required: true },
    { name: 'format', value: 'zip|tar', description: 'the archive format', defaultText: 'zip' },
  ],
  async run({ api, token, options, positionals, signal, progress, note }) {
    const format = options.format ?? 'zip';
    if (format !== 'zip' && format !== 'tar') throw new UsageError('--format must be zip or tar');
    const request = gatewayClient({ api, token });
    const bundle = await request<CreateBundleResponse>(
      'POST',
      '/v1/bundles',
      { submissionIds: positionals, format },
      signal,
    );
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
    process.stdout.write(
      `${JSON.stringify({ id: bundle.id, format: bundle.format, bytes: bundle.bytes, entries: bundle.entries, out })}\n`,
    );
  },
};
