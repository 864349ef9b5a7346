import { afterEach, describe, expect, it, vi } from 'vitest';
import { ObjectStoreError } from '../../src/s3/send';
import {
  copyOrStream,
  copyWanted,
  createCopySupport,
  isCopyUnsupported,
  type CopySupport,
} from '../../src/s3/server-side-copy';

// How the gateway chooses between a copy inside the store and streaming the same bytes itself
// (S3_SERVER_SIDE_COPY), and what it learns from a refusal.

const notImplemented = new ObjectStoreError('unavailable', 'object store answered 501', 501, 'NotImplemented');
const internalError = new ObjectStoreError('unavailable', 'object store answered 500', 500, 'InternalError');
const accessDenied = new ObjectStoreError('rejected', 'object store answered 403 AccessDenied', 403, 'AccessDenied');

/** Runs copyOrStream with a copy that fails with `error` (or succeeds), recording which path ran. */
async function attempt(support: CopySupport, error?: Error, operation: 'CopyObject' | 'UploadPartCopy' = 'CopyObject') {
  const ran: string[] = [];
  const result = await copyOrStream(
    support,
    operation,
    async () => {
      ran.push('copy');
      if (error) throw error;
      return 'copied';
    },
    async () => {
      ran.push('stream');
      return 'streamed';
    },
  );
  return { result, ran };
}

describe('isCopyUnsupported', () => {
  it("takes S3's not-implemented answers for unsupported, and nothing else", () => {
    expect(isCopyUnsupported(notImplemented)).toBe(true);
    // A 501 with no code (a HEAD-like answer, or a front that sends no body) is still one.
    expect(isCopyUnsupported(new ObjectStoreError('unavailable', '501', 501))).toBe(true);
    // The code reported inside a 200, as copies may (S3 API: CopyObject).
    expect(isCopyUnsupported(new ObjectStoreError('rejected', 'in body', 200, 'NotImplemented'))).toBe(true);
    expect(isCopyUnsupported(new ObjectStoreError('rejected', '400', 400, 'NotSupported'))).toBe(true);
    expect(isCopyUnsupported(internalError)).toBe(false);
    expect(isCopyUnsupported(accessDenied)).toBe(false);
    expect(isCopyUnsupported(new ObjectStoreError('not_found', '404', 404, 'NoSuchKey'))).toBe(false);
    expect(isCopyUnsupported(new Error('NotImplemented'))).toBe(false);
  });
});

describe('copyOrStream', () => {
  const logged = vi.spyOn(console, 'log').mockImplementation(() => {});
  afterEach(() => {
    logged.mockClear();
    vi.useRealTimers();
  });

  it('auto: copies while the store copies', async () => {
    const support = createCopySupport('auto');
    expect(await attempt(support)).toEqual({ result: 'copied', ran: ['copy'] });
    expect(await attempt(support)).toEqual({ result: 'copied', ran: ['copy'] });
    expect(logged).not.toHaveBeenCalled();
  });

  it('auto: streams at once when the copy is refused as unsupported, then stops asking for that operation only, logging once', async () => {
    const support = createCopySupport('auto');
    expect(await attempt(support, notImplemented)).toEqual({ result: 'streamed', ran: ['copy', 'stream'] });
    expect(await attempt(support, notImplemented)).toEqual({ result: 'streamed', ran: ['stream'] });
    expect(copyWanted(support, 'CopyObject')).toBe(false);
    // UploadPartCopy is still asked for: a store may offer one copy and not the other.
    expect(await attempt(support, undefined, 'UploadPartCopy')).toEqual({ result: 'copied', ran: ['copy'] });
    expect(logged).toHaveBeenCalledTimes(1);
    const line = JSON.parse(logged.mock.calls[0]![0] as string);
    expect(line).toMatchObject({ level: 'warn', operation: 'CopyObject', status: 501, code: 'NotImplemented' });
  });

  it('auto: asks again ten minutes after a refusal', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-08T00:00:00Z') });
    const support = createCopySupport('auto');
    await attempt(support, notImplemented);
    vi.setSystemTime(new Date('2026-12-08T00:09:59Z'));
    expect((await attempt(support)).ran).toEqual(['stream']);
    vi.setSystemTime(new Date('2026-12-08T00:10:00Z'));
    expect(await attempt(support)).toEqual({ result: 'copied', ran: ['copy'] });
  });

  it('auto: any other failure of the copy is the call’s failure, not a reason to stream', async () => {
    const support = createCopySupport('auto');
    await expect(attempt(support, internalError)).rejects.toBe(internalError);
    await expect(attempt(support, accessDenied)).rejects.toBe(accessDenied);
    expect(copyWanted(support, 'CopyObject')).toBe(true);
  });

  it('always: a refused copy is an error; never: the store is never asked', async () => {
    const always = createCopySupport('always');
    await expect(attempt(always, notImplemented)).rejects.toBe(notImplemented);
    expect(copyWanted(always, 'CopyObject')).toBe(true);
    const never = createCopySupport('never');
    expect(await attempt(never)).toEqual({ result: 'streamed', ran: ['stream'] });
    expect(copyWanted(never, 'UploadPartCopy')).toBe(false);
  });
});
