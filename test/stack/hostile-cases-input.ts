import type { Fixture } from './hostile-fixture';
import { get, post, query, type Expected, type HostileCase, type RawRequest } from './hostile-http';

// Values that break naive handling of strings: a right-to-left override (U+202E, spoofs file
// names), a lone surrogate (not a Unicode scalar value; JSON.stringify sends it as \ud800), an
// emoji (outside the BMP: two UTF-16 units, four UTF-8 bytes), NUL, an escape sequence, and C1.
const rtl = '\u202E';
const lone = '\uD800';
const emoji = '\u{1F600}';
const nul = '\u0000';
const mixed = `${emoji}${rtl}gpj.exe${lone}`;

// Spec J (and fixes still to come) name the status, not the wording: the message names the field.
const mentions = (field: string): Expected => ({ status: 400, message: new RegExp(`\\b${field}\\b`) });
const invalid = (field: RegExp | string): Expected => ({
  status: 400,
  message: typeof field === 'string' ? new RegExp(`^${field.replace(/\./g, '\\.')}: `) : field,
});

type Case = HostileCase<Fixture>;
const unicode = (name: string, as: Case['as'], request: (f: Fixture) => RawRequest, expect: Expected): Case => ({
  category: 'unicode',
  name,
  as,
  request,
  expect,
});

const uploadBody = (f: Fixture, change: Record<string, unknown>) => ({
  taskId: f.taskId,
  contentType: 'audio/webm',
  size: 11,
  filename: 'a.webm',
  ...change,
});
const upload = (change: Record<string, unknown>) => (f: Fixture) => post('/v1/uploads', uploadBody(f, change));
const review = (target: (f: Fixture) => string, body: Record<string, unknown>) => (f: Fixture) =>
  post(`/v1/submissions/${target(f)}/review`, { decision: 'approve', ...body });
const pending = (f: Fixture) => f.submissions.pendingSingle;
// A description refused only for its own sake must not be mistaken for the member check's refusal.
const dataset = (change: Record<string, unknown>) => (f: Fixture) =>
  post('/v1/datasets', { name: 'hostile', description: 'd', submissionIds: [f.submissions.pendingSingle], ...change });
const grant = (companyId: string) => (f: Fixture) => post(`/v1/datasets/${f.datasets.ungranted}/grants`, { companyId });
const downloadShards = (shards: number[]) => (f: Fixture) =>
  post(`/v1/datasets/${f.datasets.granted}/download-url`, { shards });
const bundle = (entry: unknown) => () => post('/v1/bundles', { submissionIds: [entry] });
const signParts = (partNumbers: unknown[]) => (f: Fixture) =>
  post(`/v1/uploads/${f.submissions.pendingMultipart}/parts`, { partNumbers });
const completeParts = (part: Record<string, unknown>) => (f: Fixture) =>
  post(`/v1/uploads/${f.submissions.pendingMultipart}/complete`, { parts: [{ partNumber: 1, etag: '"x"', ...part }] });
/** An opaque paging cursor as the gateway makes them: base64url of JSON. */
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const partListRefused: Expected = {
  status: 409,
  message: /^object storage refused the part list \((InvalidPart|MalformedXML)\)$/,
};

export const unicodeCases: Case[] = [
  // POST /v1/uploads
  unicode(
    'taskId with a right-to-left override',
    'contributor',
    upload({ taskId: `${rtl}00000000-0000-4000-8000-0000000a0001` }),
    invalid('taskId'),
  ),
  unicode(
    'taskId with NUL',
    'contributor',
    (f) => post('/v1/uploads', uploadBody(f, { taskId: `${f.taskId}${nul}` })),
    invalid('taskId'),
  ),
  unicode(
    'contentType with a right-to-left override',
    'contributor',
    upload({ contentType: `audio/webm${rtl}` }),
    invalid('contentType'),
  ),
  unicode(
    'contentType with an emoji subtype',
    'contributor',
    upload({ contentType: `audio/${emoji}` }),
    invalid('contentType'),
  ),
  unicode('contentType with NUL', 'contributor', upload({ contentType: `audio/webm${nul}` }), invalid('contentType')),
  unicode(
    'contentType over 200 characters',
    'contributor',
    upload({ contentType: `audio/${'a'.repeat(300)}` }),
    invalid('contentType'),
  ),
  unicode(
    'contentType as invalid UTF-8 bytes',
    'contributor',
    (f) => ({
      method: 'POST',
      path: '/v1/uploads',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([
        Buffer.from(`{"taskId":"${f.taskId}","size":11,"contentType":"audio/`),
        Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
    }),
    invalid('contentType'),
  ),
  unicode('filename with NUL', 'contributor', upload({ filename: `a${nul}.webm` }), invalid('filename')),
  unicode(
    'filename with an ANSI escape sequence',
    'contributor',
    upload({ filename: '\u001b[31mred.webm' }),
    invalid('filename'),
  ),
  unicode(
    'filename with a C1 control (CSI, U+009B)',
    'contributor',
    upload({ filename: 'a\u009b31m.webm', contentType: 'text/plain' }),
    mentions('filename'),
  ),
  unicode(
    'filename over 255 characters',
    'contributor',
    upload({ filename: `${'a'.repeat(252)}.webm` }),
    invalid('filename'),
  ),
  unicode(
    'filename with emoji, RTL override and a lone surrogate',
    'contributor',
    upload({ filename: mixed, contentType: 'text/plain' }),
    invalid('filename'),
  ),
  // Let through, it would be stored with U+FFFD in its place: an upload the type and size admit.
  unicode('filename with a lone surrogate only', 'contributor', upload({ filename: `a${lone}.webm` }), {
    status: 400,
    message: 'filename: must not contain a lone surrogate (it is not Unicode text)',
  }),
  unicode(
    'filename with a lone low surrogate',
    'contributor',
    upload({ filename: 'a\uDC00.webm' }),
    invalid('filename'),
  ),
  unicode(
    'filename with a right-to-left override (shows as another extension)',
    'contributor',
    upload({ filename: `invoice${rtl}gpj.exe` }),
    invalid('filename'),
  ),
  // POST /v1/submissions/{id}/review
  unicode(
    'review note with NUL on an uploaded submission',
    'validator',
    review((f) => f.submissions.forNotes[0]!, { note: `ok${nul}` }),
    mentions('note'),
  ),
  unicode(
    'review note with an escape character',
    'validator',
    review(pending, { note: '\u001b]0;pwned\u0007' }),
    mentions('note'),
  ),
  unicode(
    'review note over 2000 characters',
    'validator',
    review(pending, { note: 'n'.repeat(2001) }),
    invalid('note'),
  ),
  unicode(
    'review note with emoji, RTL override and a lone surrogate',
    'validator',
    review(pending, { note: mixed }),
    invalid('note'),
  ),
  // Let through, this review would be recorded (the submission is uploaded), its note altered.
  unicode(
    'review note with a lone surrogate on an uploaded submission',
    'validator',
    review((f) => f.submissions.forNotes[1]!, { note: `ok${lone}` }),
    {
      status: 400,
      message: 'note: must not contain a lone surrogate (it is not Unicode text)',
    },
  ),
  unicode('review decision with NUL', 'validator', review(pending, { decision: `approve${nul}` }), invalid('decision')),
  unicode('review decision in capitals', 'validator', review(pending, { decision: 'APPROVE' }), invalid('decision')),
  // POST /v1/datasets
  unicode('dataset name with a right-to-left override', 'admin', dataset({ name: `a${rtl}piz.exe` }), invalid('name')),
  unicode('dataset name that is an emoji', 'admin', dataset({ name: emoji }), invalid('name')),
  unicode('dataset name with NUL', 'admin', dataset({ name: `a${nul}` }), invalid('name')),
  unicode('dataset name with a path', 'admin', dataset({ name: '../../raw/x' }), invalid('name')),
  unicode('dataset name over 100 characters', 'admin', dataset({ name: 'a'.repeat(101) }), invalid('name')),
  unicode('dataset description with NUL', 'admin', dataset({ description: `d${nul}` }), mentions('description')),
  unicode(
    'dataset description with a bell character',
    'admin',
    dataset({ description: 'd\u0007' }),
    mentions('description'),
  ),
  unicode(
    'dataset description over 2000 characters',
    'admin',
    dataset({ description: 'd'.repeat(2001) }),
    invalid('description'),
  ),
  unicode(
    'dataset description with emoji, RTL override and a lone surrogate',
    'admin',
    dataset({ description: mixed }),
    invalid('description'),
  ),
  // POST /v1/datasets/{id}/download-url: shard indexes past int4 were a 500 from Postgres.
  unicode('shards entry 2147483648 (past int4)', 'admin', downloadShards([2_147_483_648]), {
    status: 400,
    message: /^shards\.0: /,
  }),
  unicode(
    'shards entry 99999 (past the last shard any dataset has)',
    'admin',
    downloadShards([99_999]),
    invalid('shards.0'),
  ),
  unicode('shards entry 1e300', 'admin', downloadShards([1e300]), invalid('shards.0')),
  // POST /v1/datasets/{id}/grants
  unicode(
    'companyId with a right-to-left override',
    'admin',
    grant(`${rtl}00000000-0000-4000-8000-0000000c0a01`),
    invalid('companyId'),
  ),
  unicode('companyId with NUL', 'admin', grant(`00000000-0000-4000-8000-0000000c0a01${nul}`), invalid('companyId')),
  unicode('companyId that is an emoji', 'admin', grant(emoji), invalid('companyId')),
  unicode('companyId over-long', 'admin', grant('0'.repeat(5000)), invalid('companyId')),
  // POST /v1/bundles
  unicode(
    'submissionIds entry with a right-to-left override',
    'admin',
    bundle(`${rtl}00000000-0000-4000-8000-00000000dead`),
    invalid('submissionIds.0'),
  ),
  unicode(
    'submissionIds entry with NUL',
    'admin',
    bundle(`00000000-0000-4000-8000-00000000dead${nul}`),
    invalid('submissionIds.0'),
  ),
  unicode('submissionIds entry over-long', 'admin', bundle('f'.repeat(10_000)), invalid('submissionIds.0')),
  unicode('submissionIds entry that is a number', 'admin', bundle(1), invalid('submissionIds.0')),
  // POST /v1/uploads/{id}/parts and /complete
  unicode('partNumbers entry as a string', 'contributor', signParts(['1']), invalid('partNumbers.0')),
  unicode('partNumbers entry with NUL', 'contributor', signParts([nul]), invalid('partNumbers.0')),
  unicode('partNumbers entry 1.5', 'contributor', signParts([1.5]), invalid('partNumbers.0')),
  unicode('partNumbers entry 0', 'contributor', signParts([0]), invalid('partNumbers.0')),
  unicode('partNumbers entry 10001', 'contributor', signParts([10_001]), invalid('partNumbers.0')),
  unicode('partNumbers entry past the last part of this upload', 'contributor', signParts([9_999]), {
    status: 400,
    message: /^this upload has parts 1 to \d+$/,
  }),
  unicode('etag empty', 'contributor', completeParts({ etag: '' }), invalid('parts.0.etag')),
  unicode('etag over 200 characters', 'contributor', completeParts({ etag: 'e'.repeat(201) }), invalid('parts.0.etag')),
  // These reach CompleteMultipartUpload: the part was never uploaded, so S3 refuses the list.
  { ...unicode('etag with NUL', 'contributor', completeParts({ etag: `"x${nul}"` }), partListRefused), needs: 'rgw' },
  {
    ...unicode(
      'etag with XML markup for another part',
      'contributor',
      completeParts({ etag: '"x"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"y"' }),
      partListRefused,
    ),
    needs: 'rgw',
  },
  {
    ...unicode(
      'etag with emoji, RTL override and a lone surrogate',
      'contributor',
      completeParts({ etag: mixed }),
      partListRefused,
    ),
    needs: 'rgw',
  },
  unicode('part number 0 in complete', 'contributor', completeParts({ partNumber: 0 }), invalid('parts.0.partNumber')),
  // Query strings
  unicode(
    'cursor that is not base64url',
    'validator',
    () => get(query('/v1/submissions', { cursor: '!!not-a-cursor!!' })),
    { status: 400, message: 'cursor is not valid' },
  ),
  unicode('cursor with NUL', 'validator', () => get(query('/v1/submissions', { cursor: `eyJ${nul}` })), {
    status: 400,
    message: 'cursor is not valid',
  }),
  unicode(
    'cursor over 200 characters',
    'validator',
    () => get(query('/v1/submissions', { cursor: 'A'.repeat(201) })),
    invalid('cursor'),
  ),
  unicode(
    'cursor carrying SQL in its id',
    'validator',
    () => get(query('/v1/submissions', { cursor: cursor({ createdAt: '2026-01-01T00:00:00Z', id: "' or 1=1 --" }) })),
    { status: 400, message: 'cursor is not valid' },
  ),
  unicode(
    'datasets cursor carrying a lone surrogate',
    'admin',
    () => get(query('/v1/datasets', { cursor: cursor({ createdAt: lone, id: 'x' }) })),
    { status: 400, message: 'cursor is not valid' },
  ),
  unicode(
    'status with NUL',
    'validator',
    () => get(query('/v1/submissions', { status: `approved${nul}` })),
    invalid('status'),
  ),
  unicode(
    'status with a right-to-left override',
    'validator',
    () => get(query('/v1/submissions', { status: `${rtl}approved` })),
    invalid('status'),
  ),
  unicode(
    'status given twice',
    'validator',
    () => get('/v1/submissions?status=approved&status=rejected'),
    invalid('status'),
  ),
  unicode(
    'taskId that is an emoji',
    'validator',
    () => get(query('/v1/submissions', { taskId: emoji })),
    invalid('taskId'),
  ),
  unicode(
    'taskId with SQL',
    'validator',
    () => get(query('/v1/submissions', { taskId: "00000000-0000-4000-8000-0000000a0001' or '1'='1" })),
    invalid('taskId'),
  ),
  unicode(
    'access-log action with NUL',
    'admin',
    () => get(query('/v1/access-log', { action: `bundle.create${nul}` })),
    invalid('action'),
  ),
  unicode(
    'access-log from that is not a date',
    'admin',
    () => get(query('/v1/access-log', { from: '2026-13-45T25:61:00Z' })),
    invalid('from'),
  ),
  unicode('access-log to that is an emoji', 'admin', () => get(query('/v1/access-log', { to: emoji })), invalid('to')),
  unicode(
    'access-log from with SQL',
    'admin',
    () => get(query('/v1/access-log', { from: "2026-01-01T00:00:00Z' or '1'='1" })),
    invalid('from'),
  ),
  unicode('access-log cursor 0', 'admin', () => get(query('/v1/access-log', { cursor: '0' })), invalid('cursor')),
  unicode(
    'access-log userId over-long',
    'admin',
    () => get(query('/v1/access-log', { userId: 'a'.repeat(3000) })),
    invalid('userId'),
  ),
  ...['0', '101', '-1', '1.5', 'abc', nul, '1e3', '', '9'.repeat(400)].map((limit) =>
    unicode(
      `submissions limit ${JSON.stringify(limit).slice(0, 20)}`,
      'validator',
      () => get(query('/v1/submissions', { limit })),
      invalid('limit'),
    ),
  ),
  unicode('datasets limit 1000', 'admin', () => get(query('/v1/datasets', { limit: '1000' })), invalid('limit')),
  unicode('access-log limit 501', 'admin', () => get(query('/v1/access-log', { limit: '501' })), invalid('limit')),
  // Values the schema admits but Postgres cannot hold must still be a 400, never a 500.
  unicode(
    'access-log cursor beyond bigint',
    'admin',
    () => get(query('/v1/access-log', { cursor: '99999999999999999999' })),
    invalid('cursor'),
  ),
  // Year 0000 matches the ISO pattern but is no date Postgres knows (there is no year 0).
  unicode(
    'access-log from in year 0000',
    'admin',
    () => get(query('/v1/access-log', { from: '0000-01-01T00:00:00Z' })),
    mentions('from'),
  ),
  unicode(
    'access-log to with a +99:99 offset',
    'admin',
    () => get(query('/v1/access-log', { to: '2026-01-01T00:00:00+99:99' })),
    invalid('to'),
  ),
  unicode(
    'submissions cursor in year 0000',
    'validator',
    () =>
      get(
        query('/v1/submissions', {
          cursor: cursor({ createdAt: '0000-01-01T00:00:00Z', id: '00000000-0000-4000-8000-00000000dead' }),
        }),
      ),
    { status: 400, message: 'cursor is not valid' },
  ),
  unicode(
    'datasets cursor in year 0000',
    'admin',
    () =>
      get(
        query('/v1/datasets', {
          cursor: cursor({ createdAt: '0000-01-01T00:00:00Z', id: '00000000-0000-4000-8000-00000000dead' }),
        }),
      ),
    { status: 400, message: 'cursor is not valid' },
  ),
  unicode(
    'an unknown query parameter',
    'validator',
    () => get(query('/v1/submissions', { contributorId: '00000000-0000-4000-8000-00000000c001' })),
    { status: 400, message: /contributorId/ },
  ),
];
