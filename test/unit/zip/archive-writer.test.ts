import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type ContainerSegment, sliceInWindows } from '../../../src/containers/layout';
import {
  type LengthChannel,
  type MemberSource,
  streamSegments,
  streamWithComputedCrcs,
} from '../../../src/streams/archive-writer';
import { planManifestMember } from '../../../src/zip/manifest';
import { planArchive } from '../../../src/zip/plan';
import { sliceArchive } from '../../../src/zip/slice';
import { zipContainer } from '../../../src/zip/container';
import type { ArchiveMember } from '../../../src/zip/types';
import { assembleArchive, bodiesFromArrays, readWithPython, sha256Hex, testWithUnzip } from './archive-fixture';

// The streaming writer in Node: the identity TransformStream stands in for workerd's
// FixedLengthStream, which only adds the length check. Its output must be exactly the bytes the
// planner describes (assembleArchive, checked against the planner alone) and readable by unzip
// and Python's zipfile, whether members stream in one chunk or many.

const modifiedAt = new Date('2026-11-02T08:00:00Z');

// workerd's ReadableStreamBYOBReader.readAtLeast(min, view) (src/streams/read-chunks.ts) in
// standard terms: BYOB reads into the rest of the view until `min` bytes or the end.
type ReadAtLeast = (min: number, view: Uint8Array) => Promise<ReadableStreamReadResult<Uint8Array>>;
const byobReader = ReadableStreamBYOBReader.prototype as unknown as { readAtLeast?: ReadAtLeast };
byobReader.readAtLeast ??= async function (this: ReadableStreamBYOBReader, min: number, view: Uint8Array) {
  // Each read transfers the buffer, so the view's own length is read once, before the first.
  const capacity = view.byteLength;
  let filled = 0;
  let buffer = view.buffer;
  while (filled < min) {
    const { value, done } = await this.read(new Uint8Array(buffer, filled, capacity - filled));
    if (value) {
      buffer = value.buffer;
      filled += value.byteLength;
    }
    if (done)
      return { value: new Uint8Array(buffer, 0, filled), done: filled === 0 } as ReadableStreamReadResult<Uint8Array>;
  }
  return { value: new Uint8Array(buffer, 0, filled), done: false };
};
const identityChannel: LengthChannel = () => new TransformStream<Uint8Array, Uint8Array>();
const directory = mkdtempSync(join(tmpdir(), 'archive-writer-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function bodies(): Uint8Array[] {
  let state = 11;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state >>> 24;
  };
  return [0, 1, 5, 70_000, 0, 300_001].map((size) => Uint8Array.from({ length: size }, next));
}

/** Serves member bodies in 4 KiB chunks, recording what was asked; `failOn` makes one open fail. */
function memorySource(
  members: readonly Uint8Array[],
  failOn?: number,
): MemberSource & { opened: [number, number, number][] } {
  const opened: [number, number, number][] = [];
  return {
    opened,
    async open(index, start, end) {
      opened.push([index, start, end]);
      if (index === failOn) throw new Error(`member ${index} is gone`);
      const bytes = members[index]!.subarray(start, end + 1);
      let offset = 0;
      // A byte stream, as fetch bodies are: the CRC path reads them with a BYOB reader.
      return new ReadableStream({
        type: 'bytes',
        pull(controller) {
          if (offset >= bytes.length) {
            controller.close();
            // A pending BYOB read is answered with 0 bytes to see the end (WHATWG Streams, "close").
            controller.byobRequest?.respond(0);
            return;
          }
          controller.enqueue(bytes.slice(offset, offset + 4096));
          offset += 4096;
        },
      });
    },
  };
}

function plan(members: readonly Uint8Array[], crcKnown: boolean) {
  const planned: ArchiveMember[] = [planManifestMember('id,size\r\n', modifiedAt)];
  for (const [index, body] of members.entries()) {
    if (index === 0) continue;
    planned.push({
      name: `task/${index}.bin`,
      size: body.length,
      crc32: crcKnown ? zlibCrc32(body) >>> 0 : null,
      modifiedAt,
      body: 'stored',
    });
  }
  return planArchive(planned);
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function checkWithReaders(archive: Uint8Array, members: readonly Uint8Array[], name: string): void {
  const path = join(directory, name);
  writeFileSync(path, archive);
  const unzip = testWithUnzip(path, true);
  expect(unzip.status, unzip.output).toBe(0);
  const python = readWithPython(path);
  expect(python.testzip).toBeNull();
  expect(python.entries.slice(1).map((entry) => entry.sha256)).toEqual(members.slice(1).map((m) => sha256Hex(m)));
}

describe('streamSegments', () => {
  const members = [new Uint8Array(0), ...bodies()];
  const archivePlan = plan(members, true);
  const expected = assembleArchive(archivePlan, bodiesFromArrays(members));

  it('writes the whole archive exactly as planned, readable by unzip and zipfile', async () => {
    const segments = sliceArchive(archivePlan, 0, archivePlan.totalLength - 1);
    const written = await drain(
      streamSegments(segments, archivePlan.totalLength, memorySource(members), { channel: identityChannel }),
    );
    expect(written.length).toBe(archivePlan.totalLength);
    expect(Buffer.compare(written, expected)).toBe(0);
    checkWithReaders(written, members, 'whole.zip');
  });

  it('writes any range as the same bytes of the whole archive, opening only the members it needs', async () => {
    const ranges: [number, number][] = [
      [0, 29],
      [archivePlan.entries[3]!.localHeaderOffset + 7, archivePlan.entries[6]!.localHeaderOffset + 100],
      [archivePlan.centralDirectoryOffset - 3, archivePlan.totalLength - 1],
    ];
    for (const [start, end] of ranges) {
      const source = memorySource(members);
      const written = await drain(
        streamSegments(sliceArchive(archivePlan, start, end), end - start + 1, source, { channel: identityChannel }),
      );
      expect(Buffer.compare(written, expected.subarray(start, end + 1)), `bytes ${start}-${end}`).toBe(0);
      const touched = archivePlan.entries.filter(
        (entry) => entry.body.kind === 'stored' && entry.dataLength > 0 && entry.dataOffset <= end,
      );
      expect(source.opened.length).toBeLessThanOrEqual(touched.length);
    }
  });

  it('aborts the stream and reports the failure when a member cannot be opened', async () => {
    const failures: unknown[] = [];
    const segments = sliceArchive(archivePlan, 0, archivePlan.totalLength - 1);
    const stream = streamSegments(segments, archivePlan.totalLength, memorySource(members, 4), {
      channel: identityChannel,
      onFailure: (error) => failures.push(error),
    });
    await expect(drain(stream)).rejects.toThrow('member 4 is gone');
    expect(failures.map((error) => (error as Error).message)).toEqual(['member 4 is gone']);
  });
});

describe('per-member state', () => {
  // 200 members of a few bytes, the last one failing after its first chunk when asked to.
  const count = 200;
  const members = [new Uint8Array(0), ...Array.from({ length: count }, (_, n) => Uint8Array.of(n, n + 1, n + 2))];
  const archivePlan = plan(members, true);
  const whole = () => sliceArchive(archivePlan, 0, archivePlan.totalLength - 1);

  /**
   * A source that, as workerd's AbortSignal.any does for the timeout src/s3/send.ts adds, leaves
   * a listener on the signal it is given until that signal aborts; it records each signal.
   */
  function listeningSource(failOn?: number) {
    const signals: { index: number; signal: AbortSignal }[] = [];
    const source: MemberSource = {
      async open(index, start, end, signal) {
        signal.addEventListener('abort', () => {}, { once: true });
        signals.push({ index, signal });
        const bytes = members[index]!.subarray(start, end + 1);
        return new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.slice());
            if (index === failOn) controller.error(new Error(`member ${index} broke`));
            else controller.close();
          },
        });
      },
    };
    return { source, signals };
  }

  it('gives each member a signal of its own, so what a request leaves on it goes with the member', async () => {
    const { source, signals } = listeningSource();
    await drain(streamSegments(whole(), archivePlan.totalLength, source, { channel: identityChannel }));
    expect(signals).toHaveLength(count);
    expect(new Set(signals.map(({ signal }) => signal)).size).toBe(count);
    // One shared signal would hold a listener per member: 200 here, 5,000 in a full bundle.
    expect(Math.max(...signals.map(({ signal }) => getEventListeners(signal, 'abort').length))).toBe(1);
    expect(signals.some(({ signal }) => signal.aborted)).toBe(false);
  });

  it('on failure aborts the requests still in flight and no longer holds those of members that ended', async () => {
    const { source, signals } = listeningSource(100);
    const stream = streamSegments(whole(), archivePlan.totalLength, source, { channel: identityChannel });
    await expect(drain(stream)).rejects.toThrow('member 100 broke');
    const aborted = signals.filter(({ signal }) => signal.aborted).map(({ index }) => index);
    // Member 100 and the six opened while it streamed; every member before it had ended and was let go.
    expect(aborted).toEqual([100, 101, 102, 103, 104, 105, 106]);
  });

  it('takes segments from a lazy slice only as far as its lookahead reaches', async () => {
    let taken = 0;
    const behind: number[] = [];
    const counted = function* (): Generator<ContainerSegment> {
      for (const segment of sliceInWindows(zipContainer(archivePlan), 0, archivePlan.totalLength - 1)) {
        if (segment.kind === 'member') taken += 1;
        yield segment;
      }
    };
    const { source, signals } = listeningSource();
    const opening: MemberSource = {
      open(index, start, end, signal) {
        // Members taken from the slice, beyond the one being opened.
        behind.push(taken - (signals.length + 1));
        return source.open(index, start, end, signal);
      },
    };
    const written = await drain(
      streamSegments(counted(), archivePlan.totalLength, opening, { channel: identityChannel }),
    );
    expect(Buffer.compare(written, assembleArchive(archivePlan, bodiesFromArrays(members)))).toBe(0);
    expect(Math.max(...behind)).toBe(0);
  });
});

describe('streamWithComputedCrcs', () => {
  it('computes unknown CRCs in-stream and writes data descriptors and a central directory unzip accepts', async () => {
    const members = [new Uint8Array(0), ...bodies()];
    const archivePlan = plan(members, false);
    expect(archivePlan.rangesSupported).toBe(false);
    const written = await drain(
      streamWithComputedCrcs(archivePlan, memorySource(members), (chunk, previous) => zlibCrc32(chunk, previous), {
        channel: identityChannel,
      }),
    );
    expect(written.length).toBe(archivePlan.totalLength);
    const crcs = new Map(
      archivePlan.entries.flatMap((entry) =>
        entry.index === 0 ? [] : [[entry.index, zlibCrc32(members[entry.index]!) >>> 0] as const],
      ),
    );
    expect(Buffer.compare(written, assembleArchive(archivePlan, bodiesFromArrays(members), crcs))).toBe(0);
    checkWithReaders(written, members, 'computed.zip');
  });
});
