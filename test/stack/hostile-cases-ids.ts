import { nobody, type Fixture } from './hostile-fixture';
import { del, get, messages, post, type Expected, type HostileCase, type RawRequest } from './hostile-http';

// IDOR: another user's ids must answer exactly like ids that do not exist (same status, same
// message), so ids cannot be probed. `nobody` is such an id.
const notFound = (message: string): Expected => ({ status: 404, message });

const idor = (
  name: string,
  as: HostileCase<Fixture>['as'],
  request: (f: Fixture) => RawRequest,
  expect: Expected,
): HostileCase<Fixture> => ({ category: 'idor', name, as, request, expect });

const parts = (id: string) => post(`/v1/uploads/${id}/parts`, { partNumbers: [1] });
const complete = (id: string, body?: unknown) => post(`/v1/uploads/${id}/complete`, body);

export const idorCases: HostileCase<Fixture>[] = [
  idor(
    "completes another contributor's pending upload",
    'contributor2',
    (f) => complete(f.submissions.pendingSingle),
    notFound(messages.submission),
  ),
  idor(
    'completes an upload that does not exist (same answer)',
    'contributor2',
    () => complete(nobody),
    notFound(messages.submission),
  ),
  idor(
    "completes another contributor's multipart upload with parts",
    'contributor2',
    (f) => complete(f.submissions.pendingMultipart, { parts: [{ partNumber: 1, etag: '"x"' }] }),
    notFound(messages.submission),
  ),
  idor(
    "signs parts of another contributor's multipart upload",
    'contributor2',
    (f) => parts(f.submissions.pendingMultipart),
    notFound(messages.submission),
  ),
  idor(
    'signs parts of an upload that does not exist (same answer)',
    'contributor2',
    () => parts(nobody),
    notFound(messages.submission),
  ),
  idor(
    "lists the parts of another contributor's multipart upload",
    'contributor2',
    (f) => get(`/v1/uploads/${f.submissions.pendingMultipart}/parts`),
    notFound(messages.submission),
  ),
  idor(
    "aborts another contributor's pending upload",
    'contributor2',
    (f) => del(`/v1/uploads/${f.submissions.pendingSingle}`),
    notFound(messages.submission),
  ),
  idor(
    "aborts another contributor's multipart upload",
    'contributor2',
    (f) => del(`/v1/uploads/${f.submissions.pendingMultipart}`),
    notFound(messages.submission),
  ),
  idor(
    "asks a view URL for another contributor's uploaded submission",
    'contributor2',
    (f) => post(`/v1/submissions/${f.submissions.uploaded}/view-url`),
    notFound(messages.submission),
  ),
  idor(
    'asks a view URL for a submission that does not exist (same answer)',
    'contributor2',
    () => post(`/v1/submissions/${nobody}/view-url`),
    notFound(messages.submission),
  ),
  idor(
    "reads another contributor's approved submission",
    'contributor2',
    (f) => get(`/v1/submissions/${f.submissions.approved}`),
    notFound(messages.submission),
  ),
  idor(
    'reads a submission that does not exist (same answer)',
    'contributor2',
    () => get(`/v1/submissions/${nobody}`),
    notFound(messages.submission),
  ),
  idor(
    'company user reads a dataset not granted to it',
    'company',
    (f) => get(`/v1/datasets/${f.datasets.ungranted}`),
    notFound(messages.dataset),
  ),
  idor(
    'company user reads a dataset whose grant was revoked',
    'company',
    (f) => get(`/v1/datasets/${f.datasets.revoked}`),
    notFound(messages.dataset),
  ),
  idor(
    'company user reads a dataset that does not exist (same answer)',
    'company',
    () => get(`/v1/datasets/${nobody}`),
    notFound(messages.dataset),
  ),
  idor(
    'company user asks a download URL of a dataset not granted to it',
    'company',
    (f) => post(`/v1/datasets/${f.datasets.ungranted}/download-url`),
    notFound(messages.dataset),
  ),
  idor(
    'company user bundles a submission of a dataset not granted to it',
    'company',
    (f) => post('/v1/bundles', { submissionIds: [f.submissions.ungrantedMember] }),
    {
      status: 400,
      message: 'every submission must exist, be approved, and be yours to bundle',
    },
  ),
  idor(
    'company user bundles a granted member together with an ungranted one',
    'company',
    (f) => post('/v1/bundles', { submissionIds: [f.submissions.approved, f.submissions.ungrantedMember] }),
    {
      status: 400,
      message: 'every submission must exist, be approved, and be yours to bundle',
    },
  ),
  idor(
    'admin grants a dataset to a company that does not exist',
    'admin',
    (f) => post(`/v1/datasets/${f.datasets.ungranted}/grants`, { companyId: nobody }),
    notFound('company not found'),
  ),
  idor(
    'admin grants a dataset that does not exist',
    'admin',
    (f) => post(`/v1/datasets/${nobody}/grants`, { companyId: f.companyId }),
    notFound(messages.dataset),
  ),
  idor(
    'admin retries a dataset that does not exist',
    'admin',
    () => post(`/v1/datasets/${nobody}/retry`),
    notFound(messages.dataset),
  ),
  idor(
    'admin revokes a grant that does not exist',
    'admin',
    (f) => del(`/v1/datasets/${f.datasets.ungranted}/grants/${f.companyId}`),
    notFound('no such grant'),
  ),
  idor(
    'validator reviews a submission that is still pending',
    'validator',
    (f) => post(`/v1/submissions/${f.submissions.pendingSingle}/review`, { decision: 'approve' }),
    {
      status: 409,
      message: 'only an uploaded submission can be reviewed; this one is pending',
    },
  ),
];

// Bundle links: the token is the only authority. Each wrong token answers 403 with one message,
// whatever is wrong with it and whether or not the bundle exists.
const download = (id: string, token: string, headers?: Record<string, string>): RawRequest =>
  get(`/v1/bundles/${id}/download?token=${encodeURIComponent(token)}`, headers);
const refusedLink: Expected = { status: 403, message: messages.link };
const link = (
  name: string,
  request: (f: Fixture) => RawRequest,
  expect: Expected = refusedLink,
): HostileCase<Fixture> => ({ category: 'links', name, request, expect });

export const linkCases: HostileCase<Fixture>[] = [
  link('a forged signature', (f) =>
    download(
      f.bundles.admin.id,
      `${Math.floor(Date.now() / 1000) + 3600}.${Buffer.alloc(32, 7).toString('base64url')}`,
    ),
  ),
  link('an empty token', (f) => download(f.bundles.admin.id, '')),
  link('the token truncated by one character', (f) => download(f.bundles.admin.id, f.bundles.admin.token.slice(0, -1))),
  link("another bundle's token replayed on this bundle", (f) => download(f.bundles.admin.id, f.bundles.other.token)),
  link('the expiry extended, the signature kept', (f) =>
    download(
      f.bundles.admin.id,
      f.bundles.admin.token.replace(/^\d+/, (expires) => String(Number(expires) + 86400 * 365)),
    ),
  ),
  link('the same signature in padded standard base64', (f) =>
    download(
      f.bundles.admin.id,
      f.bundles.admin.token.replace(
        /\.(.*)$/,
        (_, signature: string) => `.${Buffer.from(signature, 'base64url').toString('base64')}`,
      ),
    ),
  ),
  link('a NUL byte appended to the token', (f) => download(f.bundles.admin.id, `${f.bundles.admin.token}\u0000`)),
  link('a forged token on a bundle that does not exist (same answer)', () =>
    download(nobody, `${Math.floor(Date.now() / 1000) + 3600}.${Buffer.alloc(32, 7).toString('base64url')}`),
  ),
  link(
    'no token, but an admin session',
    (f) => ({
      ...get(`/v1/bundles/${f.bundles.admin.id}/download`),
      headers: { authorization: `Bearer ${f.tokens.admin}` },
    }),
    { status: 400, message: /token/ },
  ),
  link(
    'a token longer than any link carries',
    (f) => download(f.bundles.admin.id, `${f.bundles.admin.token}${'A'.repeat(200)}`),
    { status: 400, message: /token/ },
  ),
  link('a bundle id that is not a UUID', (f) => download('..%2f..%2fcompanies', f.bundles.admin.token), {
    status: 400,
    message: /^id: /,
  }),
  link('a correctly signed link that expired a minute ago', (f) => download(f.bundles.admin.id, f.signedLinks.expired)),
  link(
    'a correctly signed link to a bundle that does not exist',
    (f) => download(nobody, f.signedLinks.missingBundle),
    { status: 404, message: 'bundle not found' },
  ),
  link(
    'the grant behind a company bundle was revoked (GET)',
    (f) => download(f.bundles.revoked.id, f.bundles.revoked.token),
    refusedLink,
  ),
  link(
    'the grant behind a company bundle was revoked (ranged GET)',
    (f) => download(f.bundles.revoked.id, f.bundles.revoked.token, { range: 'bytes=0-99' }),
    refusedLink,
  ),
  link(
    'a member of the bundle is no longer approved',
    (f) => download(f.bundles.unapproved.id, f.bundles.unapproved.token),
    refusedLink,
  ),
  link(
    'the admin who made the bundle is an admin no more',
    (f) => download(f.bundles.demoted.id, f.bundles.demoted.token),
    refusedLink,
  ),
  link(
    'the grant behind a company bundle was revoked (HEAD)',
    (f) => ({ ...download(f.bundles.revoked.id, f.bundles.revoked.token), method: 'HEAD' }),
    refusedLink,
  ),
];
