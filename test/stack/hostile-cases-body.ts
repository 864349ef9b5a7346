import type { Fixture } from './hostile-fixture';
import { messages, post, type Expected, type HostileCase, type RawRequest } from './hostile-http';

type Case = HostileCase<Fixture>;
const invalid = (field: string): Expected => ({
  status: 400,
  message: new RegExp(`^${field.replace(/\./g, '\\.')}: `),
});
const unknownKey = (key: string): Expected => ({ status: 400, message: new RegExp(`Unrecognized key.*${key}`) });
// Spec items name the status and code, not the wording: these match any message that says why.
const tooLarge: Expected = { status: 413, message: /exceeds|too large/i };
const make =
  (category: Case['category']) =>
  (name: string, as: Case['as'], request: (f: Fixture) => RawRequest, expect: Expected): Case => ({
    category,
    name,
    as,
    request,
    expect,
  });

// Size and type lies at presign: the task accepts audio/*, image/*, video/* and
// application/octet-stream up to 5 GiB.
const sizeType = make('size-type');
const upload = (change: Record<string, unknown>) => (f: Fixture) =>
  post('/v1/uploads', { taskId: f.taskId, contentType: 'audio/webm', size: 11, ...change });
const typeRefused: Expected = { status: 400, message: messages.typeRefused };
const activeTypeRefused: Expected = { status: 400, message: /content type/i };

export const sizeTypeCases: Case[] = [
  sizeType('negative size', 'contributor', upload({ size: -1 }), invalid('size')),
  sizeType('size one byte over the task maximum', 'contributor', upload({ size: 5 * 1024 ** 3 + 1 }), {
    status: 413,
    message: 'size exceeds the task limit',
  }),
  sizeType('non-integer size', 'contributor', upload({ size: 10.5 }), invalid('size')),
  sizeType('size 1e300', 'contributor', upload({ size: 1e300 }), invalid('size')),
  sizeType(
    'size 2^53 + 1 (not exactly representable)',
    'contributor',
    (f) => ({
      method: 'POST',
      path: '/v1/uploads',
      headers: { 'content-type': 'application/json' },
      body: `{"taskId":"${f.taskId}","contentType":"audio/webm","size":9007199254740993}`,
    }),
    invalid('size'),
  ),
  sizeType('size as a string', 'contributor', upload({ size: '11' }), invalid('size')),
  sizeType('size null', 'contributor', upload({ size: null }), invalid('size')),
  sizeType(
    'content type the task does not allow (text/plain)',
    'contributor',
    upload({ contentType: 'text/plain' }),
    typeRefused,
  ),
  sizeType(
    'image/svg+xml, which image/* admits',
    'contributor',
    upload({ contentType: 'image/svg+xml' }),
    activeTypeRefused,
  ),
  sizeType(
    'image/svg+xml with a charset parameter',
    'contributor',
    upload({ contentType: 'image/svg+xml; charset=utf-8' }),
    activeTypeRefused,
  ),
  sizeType('IMAGE/SVG+XML in capitals', 'contributor', upload({ contentType: 'IMAGE/SVG+XML' }), activeTypeRefused),
  sizeType(
    'an XML type under image/* (+xml suffix)',
    'contributor',
    upload({ contentType: 'image/vnd.evil+xml' }),
    activeTypeRefused,
  ),
  sizeType('text/html', 'contributor', upload({ contentType: 'text/html' }), typeRefused),
  sizeType('application/xhtml+xml', 'contributor', upload({ contentType: 'application/xhtml+xml' }), typeRefused),
  sizeType('a media range (image/*) instead of a type', 'contributor', upload({ contentType: 'image/*' }), typeRefused),
  sizeType('*/*', 'contributor', upload({ contentType: '*/*' }), typeRefused),
  sizeType('a quote in the subtype', 'contributor', upload({ contentType: 'audio/webm"' }), invalid('contentType')),
  sizeType(
    'a quoted parameter value',
    'contributor',
    upload({ contentType: 'audio/webm; codecs="opus"' }),
    invalid('contentType'),
  ),
  sizeType(
    'CRLF and a header after the type',
    'contributor',
    upload({ contentType: 'audio/webm\r\nx-amz-acl: public-read' }),
    invalid('contentType'),
  ),
  sizeType('a trailing semicolon', 'contributor', upload({ contentType: 'audio/webm;' }), invalid('contentType')),
  sizeType(
    'two types separated by a comma',
    'contributor',
    upload({ contentType: 'audio/webm, text/html' }),
    invalid('contentType'),
  ),
  sizeType('no subtype', 'contributor', upload({ contentType: 'audio/' }), invalid('contentType')),
];

// Arrays: duplicates, more than the route allows, and far more than any body may carry.
const arrays = make('arrays');
const ids = (count: number) =>
  Array.from({ length: count }, (_, index) => `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`);

export const arrayCases: Case[] = [
  arrays(
    'bundle with a duplicated member',
    'admin',
    (f) => post('/v1/bundles', { submissionIds: [f.submissions.approved, f.submissions.approved] }),
    { status: 400, message: 'submissionIds contains duplicates' },
  ),
  arrays('bundle over the member limit (5001)', 'admin', () => post('/v1/bundles', { submissionIds: ids(5001) }), {
    status: 400,
    message: 'a bundle holds at most 5000 submissions',
  }),
  arrays(
    'bundle of 100,000 ids (3.9 MB body)',
    'admin',
    () => post('/v1/bundles', { submissionIds: ids(100_000) }),
    tooLarge,
  ),
  arrays('bundle of no members', 'admin', () => post('/v1/bundles', { submissionIds: [] }), invalid('submissionIds')),
  arrays(
    'bundle members as an object',
    'admin',
    (f) => post('/v1/bundles', { submissionIds: { 0: f.submissions.approved } }),
    invalid('submissionIds'),
  ),
  arrays(
    'bundle members nested 50,000 arrays deep',
    'admin',
    () => ({
      method: 'POST',
      path: '/v1/bundles',
      headers: { 'content-type': 'application/json' },
      body: `{"submissionIds":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    }),
    invalid('submissionIds.0'),
  ),
  arrays(
    'dataset with a duplicated member',
    'admin',
    (f) => post('/v1/datasets', { name: 'dup', submissionIds: [f.submissions.approved, f.submissions.approved] }),
    { status: 400, message: 'submissionIds contains duplicates' },
  ),
  arrays(
    'dataset over 10,000 members',
    'admin',
    () => post('/v1/datasets', { name: 'many', submissionIds: ids(10_001) }),
    invalid('submissionIds'),
  ),
  arrays(
    'dataset with both submissionIds and taskId',
    'admin',
    (f) => post('/v1/datasets', { name: 'both', submissionIds: [f.submissions.approved], taskId: f.taskId }),
    { status: 400, message: /exactly one of submissionIds and taskId/ },
  ),
  arrays(
    '101 part numbers',
    'contributor',
    (f) =>
      post(`/v1/uploads/${f.submissions.pendingMultipart}/parts`, {
        partNumbers: Array.from({ length: 101 }, (_, index) => index + 1),
      }),
    invalid('partNumbers'),
  ),
  arrays(
    'no part numbers',
    'contributor',
    (f) => post(`/v1/uploads/${f.submissions.pendingMultipart}/parts`, { partNumbers: [] }),
    invalid('partNumbers'),
  ),
  arrays(
    'complete with 10,001 parts',
    'contributor',
    (f) =>
      post(`/v1/uploads/${f.submissions.pendingMultipart}/complete`, {
        parts: Array.from({ length: 10_001 }, (_, index) => ({ partNumber: (index % 10_000) + 1, etag: '"e"' })),
      }),
    invalid('parts'),
  ),
  // Not refused: the same part signed once. Asserted so a change in this answer is noticed.
  arrays(
    'the same part number twice is signed once',
    'contributor',
    (f) => post(`/v1/uploads/${f.submissions.pendingMultipart}/parts`, { partNumbers: [1, 1] }),
    { status: 200, bodyMatches: /^\{"parts":\[\{"partNumber":1,[^\]]*\}\]\}$/ },
  ),
];

// Framing: body size, media type and JSON shape. Bodies over MAX_JSON_BODY_BYTES (1 MiB) are
// refused before the token is looked at.
const framing = make('framing');
const oversized = (f: Fixture) =>
  JSON.stringify({ taskId: f.taskId, contentType: 'audio/webm', size: 11, filename: 'a'.repeat(1024 * 1024) });
const raw = (path: string, body: string, contentType?: string): RawRequest => ({
  method: 'POST',
  path,
  headers: contentType ? { 'content-type': contentType } : {},
  body,
});
const uploads = (f: Fixture) => JSON.stringify({ taskId: f.taskId, contentType: 'audio/webm', size: 11 });

export const framingCases: Case[] = [
  framing(
    'JSON body just over 1 MiB, with a token',
    'contributor',
    (f) => raw('/v1/uploads', oversized(f), 'application/json'),
    tooLarge,
  ),
  framing(
    'JSON body just over 1 MiB, without a token',
    'anonymous',
    (f) => raw('/v1/uploads', oversized(f), 'application/json'),
    tooLarge,
  ),
  framing(
    '2 MiB chunked, without Content-Length or a token',
    'anonymous',
    (f) => ({ ...raw('/v1/uploads', oversized(f) + ' '.repeat(1024 * 1024), 'application/json'), chunked: true }),
    tooLarge,
  ),
  framing(
    '2 MiB chunked, without Content-Length',
    'contributor',
    (f) => ({ ...raw('/v1/uploads', oversized(f) + ' '.repeat(1024 * 1024), 'application/json'), chunked: true }),
    tooLarge,
  ),
  framing('malformed JSON', 'contributor', () => raw('/v1/uploads', '{"taskId":', 'application/json'), {
    status: 400,
    message: messages.json,
  }),
  framing('JSON that is an array', 'contributor', () => raw('/v1/uploads', '[]', 'application/json'), invalid('body')),
  framing('JSON that is null', 'contributor', () => raw('/v1/uploads', 'null', 'application/json'), invalid('body')),
  framing('an empty body declared as JSON', 'contributor', () => raw('/v1/uploads', '', 'application/json'), {
    status: 400,
    message: messages.json,
  }),
  framing('JSON sent as text/plain', 'contributor', (f) => raw('/v1/uploads', uploads(f), 'text/plain'), {
    status: 415,
  }),
  framing('JSON sent without a Content-Type', 'contributor', (f) => raw('/v1/uploads', uploads(f)), { status: 415 }),
  framing(
    'a form body',
    'contributor',
    (f) =>
      raw('/v1/uploads', `taskId=${f.taskId}&contentType=audio%2Fwebm&size=11`, 'application/x-www-form-urlencoded'),
    { status: 415 },
  ),
  framing(
    'duplicate keys, the last one negative',
    'contributor',
    (f) =>
      raw('/v1/uploads', `{"taskId":"${f.taskId}","contentType":"audio/webm","size":11,"size":-1}`, 'application/json'),
    invalid('size'),
  ),
  framing(
    'a __proto__ key',
    'contributor',
    (f) =>
      raw(
        '/v1/uploads',
        `{"taskId":"${f.taskId}","contentType":"audio/webm","size":11,"__proto__":{"status":"approved"}}`,
        'application/json',
      ),
    unknownKey('__proto__'),
  ),
  framing(
    'upload with a contributorId of someone else',
    'contributor2',
    (f) =>
      post('/v1/uploads', {
        taskId: f.taskId,
        contentType: 'audio/webm',
        size: 11,
        contributorId: '00000000-0000-4000-8000-00000000c001',
      }),
    unknownKey('contributorId'),
  ),
  framing(
    'upload claiming status approved',
    'contributor',
    (f) => post('/v1/uploads', { taskId: f.taskId, contentType: 'audio/webm', size: 11, status: 'approved' }),
    unknownKey('status'),
  ),
  framing(
    'review naming another reviewer',
    'validator',
    (f) =>
      post(`/v1/submissions/${f.submissions.pendingSingle}/review`, {
        decision: 'approve',
        reviewedBy: '00000000-0000-4000-8000-00000000c003',
      }),
    unknownKey('reviewedBy'),
  ),
  framing(
    'bundle with a createdBy',
    'company',
    (f) =>
      post('/v1/bundles', {
        submissionIds: [f.submissions.approved],
        createdBy: '00000000-0000-4000-8000-00000000c003',
      }),
    unknownKey('createdBy'),
  ),
  framing(
    'dataset created ready',
    'admin',
    (f) => post('/v1/datasets', { name: 'ready', taskId: f.taskId, status: 'ready' }),
    unknownKey('status'),
  ),
  framing(
    'grant with a datasetId of another dataset',
    'admin',
    (f) =>
      post(`/v1/datasets/${f.datasets.ungranted}/grants`, { companyId: f.companyId, datasetId: f.datasets.granted }),
    unknownKey('datasetId'),
  ),
  framing(
    'part signing with an uploadId',
    'contributor',
    (f) => post(`/v1/uploads/${f.submissions.pendingMultipart}/parts`, { partNumbers: [1], uploadId: 'other' }),
    unknownKey('uploadId'),
  ),
  framing(
    'complete with a size of its own',
    'contributor',
    (f) =>
      post(`/v1/uploads/${f.submissions.pendingMultipart}/complete`, {
        parts: [{ partNumber: 1, etag: '"e"', size: 1 }],
      }),
    unknownKey('size'),
  ),
];
