import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { startHarness, type Harness } from '../support/harness';

// /docs, the API reference: Swagger UI served as Workers Static Assets (wrangler.toml [assets],
// built by scripts/build-docs.ts), rendering the OpenAPI document the Worker generates from the
// routes' zod schemas, in headless Chromium against the local stack.

// The operation keys of an OpenAPI Path Item Object (OpenAPI 3.1.0 §4.8.9).
const operationKeys = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const loopbackHosts = new Set(['127.0.0.1', 'localhost']);

let harness: Harness;
let browser: Browser;

beforeAll(async () => {
  harness = await startHarness();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

describe('/docs', () => {
  it('renders every operation of /openapi.json, loading nothing from another host', async () => {
    const response = await fetch(`${harness.api}/openapi.json`);
    expect(response.status).toBe(200);
    const openapi = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => operationKeys.has(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThanOrEqual(30);

    const page = await browser.newPage();
    const offLoopback: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      // data: URLs (the stylesheet's icons) are decoded in the page; anything else is a fetch.
      if (url.protocol === 'data:') return;
      if (!(url.protocol === 'http:' && loopbackHosts.has(url.hostname))) offLoopback.push(request.url());
    });
    // Content-Security-Policy violations are reported on the console as errors.
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));

    const loaded = await page.goto(`${harness.api}/docs`);
    expect(page.url()).toBe(`${harness.api}/docs/`);
    expect(loaded?.status()).toBe(200);
    const headers = loaded?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'");
    expect(headers['x-content-type-options']).toBe('nosniff');

    // Rendered once the document is fetched and parsed: one .opblock per operation and tag.
    await page
      .locator('.opblock')
      .nth(operations.length - 1)
      .waitFor({ state: 'attached', timeout: 30_000 });
    const rendered = await page.$$eval('.opblock', (blocks) =>
      blocks.map((block) => ({
        method: block.querySelector('.opblock-summary-method')?.textContent ?? '',
        path: block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '',
        // Swagger UI puts zero-width spaces after each slash so long paths can wrap.
        shown: (block.querySelector('.opblock-summary-path')?.textContent ?? '').replace(/\u200b/g, ''),
      })),
    );
    for (const operation of rendered) expect(operation.shown).toBe(operation.path);
    const renderedOperations = new Set(rendered.map(({ method, path }) => `${method} ${path}`));
    expect([...renderedOperations].sort()).toEqual(operations.sort());
    expect(openapi.paths).toHaveProperty(['/v1/tasks']);
    expect(renderedOperations).toContain('GET /v1/tasks');

    expect(offLoopback).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
