import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTaskId } from '../../scripts/lib/jwt';
import { freePort } from '../../scripts/lib/ports';
import { launchChromium } from '../support/chromium';
import { run, startHarness, type Harness } from '../support/harness';
import { tsx } from '../support/tsx';

// The SDK in a real browser: the Chromium @sparticuz/chromium ships, driven by playwright-core,
// loads a page from http://localhost:<port> and uploads 40 MiB with multipart straight to the
// local S3. The page's origin differs from the gateway's and the bucket's, so every call is a real
// cross-origin request that the browser preflights and checks against CORS.

const MiB = 1024 * 1024;
let harness: Harness;
let browser: Browser;
let pageServer: Server;
let pageOrigin: string;

beforeAll(async () => {
  const build = await run(process.execPath, [tsx, 'scripts/build-sdk.ts']);
  expect(build.status, build.stderr).toBe(0);
  // 16 MiB threshold: a 40 MiB file goes multipart, in 8 MiB parts.
  harness = await startHarness({ workerBindings: { MULTIPART_THRESHOLD_BYTES: String(16 * MiB) } });
  const files: Record<string, [string, string]> = {
    '/': [new URL('./browser/index.html', import.meta.url).pathname, 'text/html'],
    '/sdk.mjs': [new URL('../../dist/sdk.mjs', import.meta.url).pathname, 'text/javascript'],
  };
  pageServer = createServer((request, response) => {
    if (request.url === '/favicon.ico') return void response.writeHead(204).end();
    const file = files[request.url ?? ''];
    if (!file) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file[1] }).end(readFileSync(file[0]));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => pageServer.listen(port, '127.0.0.1', resolve));
  pageOrigin = `http://localhost:${port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  await harness?.stop();
});

describe('the SDK in headless Chromium', () => {
  it('uploads 40 MiB with multipart from a page on another origin; the object’s SHA-256 matches', async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction("document.title === 'ready'");
    const before = harness.proxy.seen.length;
    const token = await harness.tokenFor('contributor');
    const result = await page.evaluate(
      (input) =>
        (
          globalThis as unknown as {
            uploadRandomFile(input: unknown): Promise<{
              submission: { status: string; size: number; sha256: string; filename: string };
              sha256: string;
              progress: number[];
            }>;
          }
        ).uploadRandomFile(input),
      { api: harness.api, token, taskId: demoTaskId, size: 40 * MiB },
    );
    expect(consoleErrors.join('\n')).toBe('');
    expect(result.submission).toMatchObject({
      status: 'uploaded',
      size: 40 * MiB,
      sha256: result.sha256,
      filename: 'recording.mp4',
    });
    expect(result.progress.at(-1)).toBe(40 * MiB);

    const s3Requests = harness.proxy.seen.slice(before);
    const partPuts = s3Requests.filter((request) => request.method === 'PUT' && request.query.has('partNumber'));
    expect(partPuts.map((request) => Number(request.query.get('partNumber'))).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5,
    ]);
    // The bucket saw the browser's CORS preflights for the part PUTs.
    expect(s3Requests.filter((request) => request.method === 'OPTIONS').length).toBeGreaterThanOrEqual(1);
    await page.close();
  }, 180_000);
});
