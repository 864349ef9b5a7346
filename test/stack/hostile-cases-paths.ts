import type { Fixture } from './hostile-fixture';
import { get, messages, type Expected, type HostileCase, type RawRequest } from './hostile-http';

type Case = HostileCase<Fixture>;
const make =
  (category: Case['category']) =>
  (
    name: string,
    as: Case['as'],
    request: (f: Fixture) => RawRequest,
    expect: Expected | ((f: Fixture) => Expected),
  ): Case => ({ category, name, as, request, expect });

// Range and If-Range (RFC 9110 §14.1.2, §14.2, §13.1.5), as src/http/range.ts implements them:
// one satisfiable range → 206; a first-pos at or past the end, or a suffix of 0 → 416 with
// `Content-Range: bytes */length`; several ranges, another unit, bad syntax or last < first →
// ignored, 200 with the whole representation; If-Range that does not strongly match → 200.
const range = make('range');
const bundle = (headers: Record<string, string>) => (f: Fixture) =>
  get(`/v1/bundles/${f.bundles.admin.id}/download?token=${f.bundles.admin.token}`, headers);
const asset = (headers: Record<string, string>) => (f: Fixture) => get(`/assets/${f.asset.key}`, headers);
const wholeBundle = (f: Fixture): Expected => ({
  status: 200,
  bodyBytes: f.bundles.admin.bytes,
  headers: { 'content-range': null },
});
const wholeAsset = (f: Fixture): Expected => ({
  status: 200,
  bodyBytes: f.asset.size,
  headers: { 'content-range': null },
});
const bundleUnsatisfiable = (f: Fixture): Expected => ({
  status: 416,
  message: 'the requested range is outside the bundle',
  headers: { 'content-range': `bytes */${f.bundles.admin.bytes}` },
});
const assetUnsatisfiable = (f: Fixture): Expected => ({
  status: 416,
  message: 'the requested range is outside the asset',
  headers: { 'content-range': `bytes */${f.asset.size}` },
});
const huge = '99999999999999999999';

export const rangeCases: Case[] = [
  range('bundle: two ranges', 'anonymous', bundle({ range: 'bytes=0-0,5-9' }), wholeBundle),
  range('bundle: last before first', 'anonymous', bundle({ range: 'bytes=10-5' }), wholeBundle),
  range('bundle: first-pos of 20 digits', 'anonymous', bundle({ range: `bytes=${huge}-` }), bundleUnsatisfiable),
  range('bundle: last-pos of 20 digits is clamped', 'anonymous', bundle({ range: `bytes=0-${huge}` }), (f) => ({
    status: 206,
    bodyBytes: f.bundles.admin.bytes,
    headers: { 'content-range': `bytes 0-${f.bundles.admin.bytes - 1}/${f.bundles.admin.bytes}` },
  })),
  range('bundle: another unit', 'anonymous', bundle({ range: 'items=0-1' }), wholeBundle),
  range('bundle: suffix of 0', 'anonymous', bundle({ range: 'bytes=-0' }), bundleUnsatisfiable),
  range(
    'bundle: first-pos at the length',
    'anonymous',
    (f) => bundle({ range: `bytes=${f.bundles.admin.bytes}-` })(f),
    bundleUnsatisfiable,
  ),
  range('bundle: neither first nor last', 'anonymous', bundle({ range: 'bytes=-' }), wholeBundle),
  range('bundle: not numbers', 'anonymous', bundle({ range: 'bytes=abc-def' }), wholeBundle),
  range('bundle: negative first-pos', 'anonymous', bundle({ range: 'bytes=-5-10' }), wholeBundle),
  range(
    'bundle: If-Range with the weak form of the ETag',
    'anonymous',
    (f) => bundle({ range: 'bytes=0-9', 'if-range': `W/${f.bundles.admin.etag}` })(f),
    wholeBundle,
  ),
  range(
    'bundle: If-Range with another ETag',
    'anonymous',
    bundle({ range: 'bytes=0-9', 'if-range': '"not-this-one"' }),
    wholeBundle,
  ),
  range(
    'bundle: If-Range with a date a second after Last-Modified',
    'anonymous',
    (f) =>
      bundle({
        range: 'bytes=0-9',
        'if-range': new Date(Date.parse(f.bundles.admin.lastModified) + 1000).toUTCString(),
      })(f),
    wholeBundle,
  ),
  range(
    'bundle: If-Range that is neither ETag nor date',
    'anonymous',
    bundle({ range: 'bytes=0-9', 'if-range': 'Tue, 32 Foo 2026 99:99:99 GMT' }),
    wholeBundle,
  ),
  range(
    'bundle: If-Range with the right ETag is honoured',
    'anonymous',
    (f) => bundle({ range: 'bytes=0-9', 'if-range': f.bundles.admin.etag })(f),
    (f) => ({ status: 206, bodyBytes: 10, headers: { 'content-range': `bytes 0-9/${f.bundles.admin.bytes}` } }),
  ),
  range('asset: two ranges', 'anonymous', asset({ range: 'bytes=0-1,3-4' }), wholeAsset),
  range('asset: last before first', 'anonymous', asset({ range: 'bytes=5-2' }), wholeAsset),
  range('asset: suffix of 0', 'anonymous', asset({ range: 'bytes=-0' }), assetUnsatisfiable),
  range(
    'asset: first-pos at the length',
    'anonymous',
    (f) => asset({ range: `bytes=${f.asset.size}-` })(f),
    assetUnsatisfiable,
  ),
  range('asset: last-pos of 20 digits is clamped', 'anonymous', asset({ range: `bytes=0-${huge}` }), (f) => ({
    status: 206,
    bodyBytes: f.asset.size,
    headers: { 'content-range': `bytes 0-${f.asset.size - 1}/${f.asset.size}` },
  })),
  range(
    'asset: If-Range with another ETag',
    'anonymous',
    asset({ range: 'bytes=0-9', 'if-range': '"other"' }),
    wholeAsset,
  ),
];

// Traversal and odd keys on /assets/{key}. Whole `..` segments (also `%2e%2e`, and `\` which
// URL parsers read as `/`) are resolved before the Worker sees the path, so they land on other
// routes or other keys; everything that would survive as a key is refused with 400.
const traversal = make('traversal');
const badKey: Expected = { status: 400, message: messages.assetKey };
const raw = (path: string) => () => get(path);

export const traversalCases: Case[] = [
  traversal(
    '%2e%2e segments climbing out of /assets',
    'anonymous',
    raw('/assets/%2e%2e/%2e%2e/xum-raw-submissions/raw/x'),
    { status: 404, message: messages.route },
  ),
  traversal('%2e%2e%2f inside one segment', 'anonymous', raw('/assets/%2e%2e%2f%2e%2e%2fxum-raw-submissions'), badKey),
  traversal('..%2f inside one segment', 'anonymous', raw('/assets/icons/..%2f..%2fsecret'), badKey),
  traversal('%2f to make a key with a slash', 'anonymous', raw('/assets/icons%2fenc.png'), badKey),
  traversal('%5c backslashes', 'anonymous', raw('/assets/icons%5c..%5c..%5csecret'), badKey),
  // The parser reads `\` as `/`: this is GET /v1/companies, which asks for a session as always.
  traversal('raw backslashes', 'anonymous', raw('/assets/icons\\..\\..\\v1\\companies'), {
    status: 401,
    message: messages.token,
  }),
  traversal('an empty segment (//)', 'anonymous', raw('/assets/icons//enc.png'), badKey),
  traversal('a leading slash (//)', 'anonymous', raw('/assets//icons/enc.png'), badKey),
  traversal('NUL (%00) after the key', 'anonymous', raw('/assets/icons/enc.png%00.txt'), badKey),
  traversal('a control character (%0a)', 'anonymous', raw('/assets/icons/enc.png%0aX-Injected:%201'), badKey),
  traversal('a key of 1025 bytes', 'anonymous', raw(`/assets/${'a'.repeat(1025)}`), badKey),
  traversal('a key of 1028 bytes in emoji', 'anonymous', raw(`/assets/${'%F0%9F%98%80'.repeat(257)}`), badKey),
  traversal('invalid percent-encoding (%ff)', 'anonymous', raw('/assets/%ff.png'), badKey),
  traversal('a lone surrogate in UTF-8 (%ed%a0%80)', 'anonymous', raw('/assets/%ed%a0%80.png'), badKey),
  traversal('an empty key', 'anonymous', raw('/assets/'), badKey),
  traversal('a right-to-left override key that does not exist', 'anonymous', raw('/assets/icons/%E2%80%AEgnp.exe'), {
    status: 404,
    message: 'no such asset',
  }),
  traversal('%2e%2e out of a submission path', 'validator', raw('/v1/submissions/%2e%2e/%2e%2e/companies'), {
    status: 404,
    message: messages.route,
  }),
  traversal('..%2f as a submission id', 'validator', raw('/v1/submissions/..%2f..%2fcompanies'), {
    status: 400,
    message: /^id: /,
  }),
  traversal('a submission id with %00', 'validator', (f) => get(`/v1/submissions/${f.submissions.approved}%00`), {
    status: 400,
    message: /^id: /,
  }),
];

// Method confusion: methods a route does not have are 404 (no such route; /assets answers 405
// with Allow), method-override headers are not honoured, and OPTIONS is CORS, not a back door.
const methods = make('methods');
const on =
  (method: string, path: (f: Fixture) => string, headers?: Record<string, string>, body?: string) =>
  (f: Fixture): RawRequest => ({ method, path: path(f), headers, body });
const noRoute: Expected = { status: 404, message: messages.route };
const assetMethod: Expected = {
  status: 405,
  message: 'assets are read with GET or HEAD',
  headers: { allow: 'GET, HEAD, OPTIONS' },
};
const override = (method: string) => ({
  'x-http-method-override': method,
  'x-http-method': method,
  'x-method-override': method,
});

export const methodCases: Case[] = [
  methods(
    'PUT on a GET route',
    'admin',
    on('PUT', () => '/v1/tasks', { 'content-type': 'application/json' }, '{}'),
    noRoute,
  ),
  methods(
    'PATCH on a submission',
    'admin',
    on(
      'PATCH',
      (f) => `/v1/submissions/${f.submissions.uploaded}`,
      { 'content-type': 'application/json' },
      '{"status":"approved"}',
    ),
    noRoute,
  ),
  methods(
    'DELETE on a submission',
    'admin',
    on('DELETE', (f) => `/v1/submissions/${f.submissions.approved}`),
    noRoute,
  ),
  methods(
    'DELETE on a dataset',
    'admin',
    on('DELETE', (f) => `/v1/datasets/${f.datasets.granted}`),
    noRoute,
  ),
  methods(
    'PUT on a grant',
    'admin',
    on('PUT', (f) => `/v1/datasets/${f.datasets.ungranted}/grants/${f.companyId}`),
    noRoute,
  ),
  methods(
    'GET on the uploads POST route',
    'contributor',
    on('GET', () => '/v1/uploads'),
    noRoute,
  ),
  methods(
    'GET on review',
    'validator',
    on('GET', (f) => `/v1/submissions/${f.submissions.uploaded}/review`),
    noRoute,
  ),
  methods(
    'POST on a bundle download',
    'anonymous',
    on('POST', (f) => `/v1/bundles/${f.bundles.admin.id}/download?token=${f.bundles.admin.token}`),
    noRoute,
  ),
  methods(
    'TRACE',
    'admin',
    on('TRACE', () => '/v1/tasks'),
    noRoute,
  ),
  methods(
    'X-HTTP-Method-Override: DELETE on a grant (POST)',
    'admin',
    on('POST', (f) => `/v1/datasets/${f.datasets.granted}/grants/${f.companyId}`, override('DELETE')),
    noRoute,
  ),
  methods(
    'X-HTTP-Method-Override: DELETE on an upload (GET)',
    'contributor',
    on('GET', (f) => `/v1/uploads/${f.submissions.pendingSingle}`, override('DELETE')),
    noRoute,
  ),
  methods(
    'X-HTTP-Method-Override: POST on review (GET)',
    'validator',
    on('GET', (f) => `/v1/submissions/${f.submissions.uploaded}/review?decision=approve`, override('POST')),
    noRoute,
  ),
  methods(
    'OPTIONS without Origin',
    'anonymous',
    on('OPTIONS', () => '/v1/uploads'),
    { status: 204, headers: { 'access-control-allow-origin': null } },
  ),
  methods(
    'OPTIONS preflight from a foreign origin',
    'anonymous',
    on('OPTIONS', () => '/v1/uploads', { origin: 'https://evil.example', 'access-control-request-method': 'POST' }),
    { status: 204, headers: { 'access-control-allow-origin': null } },
  ),
  methods(
    'POST to an asset',
    'anonymous',
    on('POST', (f) => `/assets/${f.asset.key}`, { 'content-type': 'image/png' }, 'x'),
    assetMethod,
  ),
  methods(
    'PUT over an asset',
    'admin',
    on('PUT', (f) => `/assets/${f.asset.key}`, { 'content-type': 'image/png' }, 'replaced'),
    assetMethod,
  ),
  methods(
    'DELETE of an asset',
    'admin',
    on('DELETE', (f) => `/assets/${f.asset.key}`),
    assetMethod,
  ),
];
