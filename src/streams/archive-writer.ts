import { encodeCentralDirectory } from '../zip/central-directory';
import { encodeDataDescriptor, encodeLocalHeader } from '../zip/headers';
import { forEachChunk } from './read-chunks';
import type { ContainerSegment } from '../containers/layout';
import type { ArchivePlan } from '../zip/types';

/**
 * Where member bodies come from. `open` resolves once the bytes [start, end] (inclusive,
 * relative to the member's body) are ready to stream, i.e. when the response headers arrived;
 * retrying before the first byte is the source's business.
 */
export interface MemberSource {
  open(index: number, start: number, end: number, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

/** Native CRC-32 update (node:zlib `crc32`), passed in so this module imports nothing platform-bound. */
export type Crc32Update = (chunk: Uint8Array, previous: number) => number;

/**
 * Makes the pair an archive is written through, of exactly `length` bytes. In the Worker this is
 * workerd's FixedLengthStream (src/streams/fixed-length.ts), which gives the response its
 * Content-Length; anywhere else an identity TransformStream serves, so the writer runs in tests.
 */
export type LengthChannel = (length: number) => ReadableWritablePair<Uint8Array, Uint8Array>;

export interface ArchiveOutput {
  channel: LengthChannel;
  /** Called once when the archive cannot be completed; the stream is aborted after it. */
  onFailure?: (error: unknown) => void;
}

// Members opened ahead of the one streaming. With the current one that is 6, the number of
// connections a Worker may have waiting for headers at once.
const lookahead = 5;

/**
 * The abort controllers of the members whose requests are in flight: each member's requests get
 * a signal of their own, forgotten when the member has streamed. A signal handed to fetch keeps
 * what is registered on it: workerd's AbortSignal.any (src/s3/send.ts adds its timeout with it)
 * adds a listener to every input signal that holds the combined signal until that input aborts.
 * One signal shared by all members of a 5,000-member bundle therefore held 5,000 combined signals
 * and what each request hung on them until the response ended.
 */
class MemberRequests {
  private readonly live = new Set<AbortController>();
  private failure: { reason: unknown } | null = null;

  /** A controller for one member's requests; already aborted once the archive has failed. */
  begin(): AbortController {
    const controller = new AbortController();
    if (this.failure !== null) controller.abort(this.failure.reason);
    else this.live.add(controller);
    return controller;
  }

  /** The member has streamed: nothing will abort its requests any more. */
  end(controller: AbortController): void {
    this.live.delete(controller);
  }

  abortAll(reason: unknown): void {
    this.failure = { reason };
    for (const controller of this.live) controller.abort(reason);
    this.live.clear();
  }
}

async function writeBytes(writable: WritableStream<Uint8Array>, bytes: Uint8Array): Promise<void> {
  const writer = writable.getWriter();
  try {
    // A copy: segment bytes may be the plan's own (end records, the manifest).
    await writer.write(bytes.slice());
  } finally {
    writer.releaseLock();
  }
}

/**
 * Runs `produce` against the writable side of the output's channel of exactly `length` bytes and
 * returns the readable side. Any failure aborts the stream, so the client sees a broken transfer
 * rather than a well-formed archive with wrong bytes; it then resumes with Range. A client that
 * goes away makes the next write fail, which lands here too and cancels every upstream fetch.
 */
function writeArchive(
  length: number,
  produce: (writable: WritableStream<Uint8Array>, requests: MemberRequests) => Promise<void>,
  { channel, onFailure = () => {} }: ArchiveOutput,
): ReadableStream<Uint8Array> {
  const { readable, writable } = channel(length);
  const requests = new MemberRequests();
  produce(writable, requests)
    .then(() => writable.close())
    .catch(async (error: unknown) => {
      requests.abortAll(error);
      onFailure(error);
      await writable.abort(error).catch(() => {});
    });
  return readable;
}

/** A member segment taken from the iterator, its request started. */
interface OpenedMember {
  body: Promise<ReadableStream<Uint8Array>>;
  controller: AbortController;
}

/**
 * Streams exactly the bytes `segments` describe (a container's slice), taking them from the
 * iterable only as far as the lookahead needs, so a lazy one (`sliceInWindows`) keeps only the
 * headers near the position encoded. Header bytes are written from the plan; each member body is
 * piped natively from its source, so JavaScript never touches body bytes. The next members'
 * requests start while the current body streams.
 */
export function streamSegments(
  segments: Iterable<ContainerSegment>,
  length: number,
  source: MemberSource,
  output: ArchiveOutput,
): ReadableStream<Uint8Array> {
  return writeArchive(
    length,
    async (writable, requests) => {
      const upcoming = segments[Symbol.iterator]();
      // Segments taken from `upcoming` and not yet written, each member among them opened.
      const queue: { segment: ContainerSegment; opened: OpenedMember | null }[] = [];
      let waiting = 0;
      let exhausted = false;
      const openAhead = () => {
        while (!exhausted && waiting < lookahead + 1) {
          const next = upcoming.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          const segment = next.value;
          if (segment.kind === 'bytes') {
            queue.push({ segment, opened: null });
            continue;
          }
          const controller = requests.begin();
          const body = source.open(segment.index, segment.start, segment.end, controller.signal);
          // Failures surface when the member's turn comes; until then they must not go unhandled.
          body.catch(() => {});
          queue.push({ segment, opened: { body, controller } });
          waiting += 1;
        }
      };
      try {
        for (;;) {
          openAhead();
          const item = queue.shift();
          if (item === undefined) break;
          if (item.opened === null) {
            await writeBytes(writable, (item.segment as Extract<ContainerSegment, { kind: 'bytes' }>).bytes);
            continue;
          }
          const body = await item.opened.body;
          waiting -= 1;
          openAhead();
          await body.pipeTo(writable, { preventClose: true });
          requests.end(item.opened.controller);
        }
      } finally {
        for (const { opened } of queue) opened?.body.then((body) => body.cancel()).catch(() => {});
      }
    },
    output,
  );
}

/**
 * The whole archive when some CRCs are unknown (`plan.rangesSupported` false): those bodies are
 * read in 64 KiB chunks (forEachChunk) to compute their CRC in-stream, followed by their data descriptor
 * (APPNOTE 4.3.9); the central directory is encoded at the end with the CRCs found.
 */
export function streamWithComputedCrcs(
  plan: ArchivePlan,
  source: MemberSource,
  updateCrc32: Crc32Update,
  output: ArchiveOutput,
): ReadableStream<Uint8Array> {
  return writeArchive(
    plan.totalLength,
    async (writable, requests) => {
      const computed = new Map<number, number>();
      for (const entry of plan.entries) {
        await writeBytes(writable, encodeLocalHeader(entry));
        if (entry.body.kind === 'inline') {
          await writeBytes(writable, entry.body.bytes);
        } else if (entry.dataLength > 0) {
          const controller = requests.begin();
          const body = await source.open(entry.index, 0, entry.dataLength - 1, controller.signal);
          if (entry.crc32 !== null) {
            await body.pipeTo(writable, { preventClose: true });
          } else {
            computed.set(entry.index, await copyComputingCrc(body, writable, updateCrc32));
          }
          requests.end(controller);
        } else if (entry.crc32 === null) {
          computed.set(entry.index, 0);
        }
        if (entry.dataDescriptorLength > 0) {
          await writeBytes(writable, encodeDataDescriptor(entry, entry.crc32 ?? computed.get(entry.index)!));
        }
      }
      await writeBytes(writable, encodeCentralDirectory(plan, computed));
      await writeBytes(writable, plan.endRecords);
    },
    output,
  );
}

async function copyComputingCrc(
  body: ReadableStream<Uint8Array>,
  writable: WritableStream<Uint8Array>,
  updateCrc32: Crc32Update,
): Promise<number> {
  const writer = writable.getWriter();
  let crc = 0;
  try {
    await forEachChunk(body, async (chunk) => {
      crc = updateCrc32(chunk, crc);
      await writer.write(chunk);
    });
    return crc >>> 0;
  } finally {
    writer.releaseLock();
  }
}
