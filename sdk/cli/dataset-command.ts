import { rmSync } from 'node:fs';
import { gatewayClient } from '../gateway';
import { downloadResumable } from '../resumable-download';
import type { DatasetDownloadUrlResponse } from '../types';
import type { Command } from './command';

// A URL this close to expiry is replaced before the next attempt rather than risk a 403.
const renewMarginMs = 30_000;

/**
 * `dataset`: downloads a dataset's archive straight from object storage, resuming a cut transfer.
 * A URL lives at most 15 minutes and each one is a row in the access log, so a new one is asked
 * for only when the current one is about to expire.
 */
export const datasetCommand: Command = {
  name: 'dataset',
  summary: "download a dataset's archive",
  operands: 'DATASET_ID',
  positionals: { min: 1, max: 1 },
  description:
    "Downloads the dataset's ZIP archive straight from object storage to the --out file, resuming with Range and If-Range when the transfer is cut. Each download URL is a row in the access log; a new one is asked for only when the current one is about to expire. Prints the dataset's id, size and the file as JSON.",
  options: [{ name: 'out', value: 'FILE', description: 'where to write the archive (replaced)', required: true }],
  async run({ api, token, options, positionals, signal, progress, note }) {
    const datasetId = positionals[0]!;
    const request = gatewayClient({ api, token });
    const path = `/v1/datasets/${encodeURIComponent(datasetId)}/download-url`;
    let link = await request<DatasetDownloadUrlResponse>('POST', path, undefined, signal);
    const out = options.out!;
    rmSync(out, { force: true });
    await downloadResumable({
      out,
      bytes: link.shards[0]!.bytes,
      url: async () => {
        if (Date.parse(link.expiresAt) - Date.now() < renewMarginMs)
          link = await request<DatasetDownloadUrlResponse>('POST', path, undefined, signal);
        return link.shards[0]!.url;
      },
      onProgress: progress(out)?.update,
      onInterrupted: note,
      signal,
    });
    process.stdout.write(`${JSON.stringify({ id: datasetId, bytes: link.shards[0]!.bytes, out })}\n`);
  },
};
