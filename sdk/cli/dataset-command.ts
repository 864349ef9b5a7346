import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayClient, type GatewayRequest } from '../gateway';
import { downloadResumable } from '../resumable-download';
import type { DatasetDownloadUrlResponse } from '../types';
import type { Command, CommandContext } from './command';
import { UsageError } from './exit-codes';

// A URL this close to expiry is replaced before the next attempt rather than risk a 403.
const renewMarginMs = 30_000;

interface ShardListing {
  index: number;
  name: string;
  bytes: number | null;
  etag: string | null;
  status: string;
}

type ShardUrl = DatasetDownloadUrlResponse['shards'][number];

/**
 * `dataset`: downloads a dataset's shards straight from object storage, several at once, each
 * resumed with Range when cut. A URL lives at most 15 minutes and each one is a row in the access
 * log, so a shard's URL is asked for when the shard starts and again only when it is about to
 * expire. A dataset of one shard written to a file (not a directory) is that one archive.
 */
export const datasetCommand: Command = {
  name: 'dataset',
  summary: "download a dataset's shards",
  operands: 'DATASET_ID',
  positionals: { min: 1, max: 1 },
  description:
    "Downloads every shard of the dataset (name-00000-of-00042.zip, …) into the --out directory, --connections at a time, straight from object storage, resuming each with Range and If-Range when a transfer is cut or an earlier run stopped. Each shard's size and ETag are checked against what the gateway lists. Each download URL is a row in the access log; a new one is asked for only when the current one is about to expire. For a dataset of one shard, --out may name the archive's file instead. Prints the dataset's id, size and files as JSON.",
  options: [
    {
      name: 'out',
      value: 'DIR',
      description: 'directory to write the shards into (created); a file for a one-shard dataset',
      required: true,
    },
    { name: 'connections', value: 'N', description: 'shards downloaded at once, 1 to 16', defaultText: '4' },
  ],
  async run(context) {
    const { api, token, options, positionals, signal } = context;
    const connections = Number(options.connections ?? 4);
    if (!Number.isInteger(connections) || connections < 1 || connections > 16)
      throw new UsageError('--connections must be a whole number from 1 to 16');
    const datasetId = positionals[0]!;
    const request = gatewayClient({ api, token });
    const out = options.out!;
    const dataset = await request<{ shardCount: number | null; shards: ShardListing[] }>(
      'GET',
      `/v1/datasets/${encodeURIComponent(datasetId)}`,
      undefined,
      signal,
    );
    const intoDirectory = (dataset.shardCount ?? 1) > 1 || (existsSync(out) && statSync(out).isDirectory());
    if (!intoDirectory) return downloadOneArchive(context, request, datasetId);
    mkdirSync(out, { recursive: true });
    const files = await downloadShards(context, request, datasetId, dataset.shards, connections);
    const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
    process.stdout.write(`${JSON.stringify({ id: datasetId, bytes, out, shards: files })}\n`);
  },
};

function urlPath(datasetId: string): string {
  return `/v1/datasets/${encodeURIComponent(datasetId)}/download-url`;
}

/** The one archive of a one-shard dataset, to a file (replaced). */
async function downloadOneArchive(
  { options, signal, progress, note }: CommandContext,
  request: GatewayRequest,
  datasetId: string,
): Promise<void> {
  let link = await request<DatasetDownloadUrlResponse>('POST', urlPath(datasetId), undefined, signal);
  const out = options.out!;
  rmSync(out, { force: true });
  const shard = link.shards[0]!;
  await downloadResumable({
    out,
    bytes: shard.bytes,
    url: async () => {
      if (Date.parse(link.expiresAt) - Date.now() < renewMarginMs)
        link = await request<DatasetDownloadUrlResponse>('POST', urlPath(datasetId), undefined, signal);
      return link.shards[0]!.url;
    },
    onProgress: progress(out)?.update,
    onInterrupted: note,
    signal,
  });
  process.stdout.write(`${JSON.stringify({ id: datasetId, bytes: shard.bytes, out })}\n`);
}

/** Every shard into the directory, `connections` at a time, with one progress line for all. */
async function downloadShards(
  { options, signal, progress, note }: CommandContext,
  request: GatewayRequest,
  datasetId: string,
  shards: ShardListing[],
  connections: number,
) {
  const out = options.out!;
  const total = shards.reduce((sum, shard) => sum + (shard.bytes ?? 0), 0);
  const done = new Map<number, number>();
  const renderer = progress(out);
  const report = () =>
    renderer?.update({ uploadedBytes: [...done.values()].reduce((sum, bytes) => sum + bytes, 0), totalBytes: total });
  const files: { index: number; name: string; bytes: number; etag: string; file: string }[] = [];

  const downloadShard = async (listed: ShardListing) => {
    const existing = join(out, listed.name);
    // Complete from an earlier run: no URL asked for, so no access-log row for a download not made.
    if (listed.bytes !== null && listed.etag && existsSync(existing) && statSync(existing).size === listed.bytes) {
      done.set(listed.index, listed.bytes);
      report();
      files.push({ index: listed.index, name: listed.name, bytes: listed.bytes, etag: listed.etag, file: existing });
      return;
    }
    const ask = async () => {
      const answer = await request<DatasetDownloadUrlResponse>(
        'POST',
        urlPath(datasetId),
        { shards: [listed.index] },
        signal,
      );
      return { shard: answer.shards[0]!, expiresAt: Date.parse(answer.expiresAt) };
    };
    let link: { shard: ShardUrl; expiresAt: number } = await ask();
    const file = join(out, link.shard.name);
    await downloadResumable({
      out: file,
      bytes: link.shard.bytes,
      expectedEtag: link.shard.etag,
      url: async () => {
        if (link.expiresAt - Date.now() < renewMarginMs) link = await ask();
        return link.shard.url;
      },
      onProgress: ({ uploadedBytes }) => {
        done.set(listed.index, uploadedBytes);
        report();
      },
      onInterrupted: (message) => (renderer ? renderer.note(`${link.shard.name}: ${message}`) : note(message)),
      signal,
    });
    const { name, bytes, etag } = link.shard;
    files.push({ index: listed.index, name, bytes, etag, file });
  };

  let next = 0;
  const lane = async () => {
    while (next < shards.length) await downloadShard(shards[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(connections, shards.length) }, lane));
  return files.sort((a, b) => a.index - b.index);
}
