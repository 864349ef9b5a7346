import type { Fixture } from './hostile-fixture';
import { get, messages, post, type Expected, type HostileCase, type RawRequest } from './hostile-http';
import type { ForgedName } from './hostile-tokens';

// Each forged token is sent to a route that writes when it accepts: a token accepted by mistake
// would leave a submission (uploads) or a grant (grants) behind, which the snapshot would show.
const upload = (f: Fixture): RawRequest =>
  post('/v1/uploads', { taskId: f.taskId, contentType: 'audio/webm', size: 11, filename: 'forged.webm' });
const grant = (f: Fixture): RawRequest =>
  post(`/v1/datasets/${f.datasets.ungranted}/grants`, { companyId: f.companyId });

const unauthorized: Expected = {
  status: 401,
  message: messages.token,
  headers: { 'www-authenticate': 'Bearer realm="storage-manager"' },
};
const forbidden: Expected = { status: 403, message: messages.role };

function withHeader(build: (f: Fixture) => RawRequest, authorization: (f: Fixture) => string) {
  return (f: Fixture): RawRequest => {
    const request = build(f);
    return { ...request, headers: { ...request.headers, authorization: authorization(f) } };
  };
}

const forged = (
  name: string,
  token: ForgedName,
  target: (f: Fixture) => RawRequest,
  expect: Expected = unauthorized,
): HostileCase<Fixture> => ({
  category: 'jwt',
  name,
  request: withHeader(target, (f) => `Bearer ${f.forged[token]}`),
  expect,
});

const header = (name: string, authorization: (f: Fixture) => string, target = upload): HostileCase<Fixture> => ({
  category: 'jwt',
  name,
  request: withHeader(target, authorization),
  expect: unauthorized,
});

export const authCases: HostileCase<Fixture>[] = [
  { category: 'jwt', name: 'no Authorization header', request: upload, expect: unauthorized },
  header('Basic scheme', () => 'Basic Y29udHJpYnV0b3I6cGFzc3dvcmQ='),
  header('a valid token under another scheme ("Token")', (f) => `Token ${f.tokens.contributor}`),
  header('Bearer with nothing after it', () => 'Bearer '),
  header('a valid token followed by a second word', (f) => `Bearer ${f.tokens.contributor} ${f.tokens.admin}`),
  header('garbage instead of a JWT', () => 'Bearer not-a-jwt'),
  header('three empty-looking segments', () => 'Bearer a.b.c'),
  header(
    'a header segment that is not JSON',
    (f) =>
      `Bearer ${Buffer.from('{"alg":"ES256",').toString('base64url')}.${f.tokens.contributor.split('.').slice(1).join('.')}`,
  ),
  header('a 16 KiB token', () => `Bearer ${'A'.repeat(16 * 1024)}.${'B'.repeat(10)}.${'C'.repeat(10)}`),
  forged('alg "none" with an empty signature (admin claims)', 'algNone', grant),
  forged('alg "NONE" with a junk signature', 'algNoneUppercase', grant),
  forged('HS256 signed with the public JWK as the HMAC secret', 'hs256WithJwk', grant),
  forged('HS256 signed with the public key PEM as the HMAC secret', 'hs256WithPem', grant),
  forged('a kid the key set does not hold', 'unknownKid', grant),
  forged('kid with a path ("../../dev/null")', 'kidPath', grant),
  forged('kid with SQL in it', 'kidSql', grant),
  forged('no kid at all', 'kidMissing', grant),
  forged('jku pointing at an attacker key set', 'jkuElsewhere', grant),
  forged('x5u pointing at an attacker certificate', 'x5uElsewhere', grant),
  forged('the attacker key embedded as a jwk header', 'embeddedJwk', grant),
  forged('signed by another key claiming the real kid', 'otherKeySameKid', grant),
  forged('alg switched to RS256 over an ES256 signature', 'algSwitchedToRs256', grant),
  forged('signature stripped', 'signatureStripped', grant),
  forged('expired a minute ago', 'expired', upload),
  forged('no exp claim', 'noExpiry', upload),
  forged('not valid before an hour from now (nbf)', 'notYetValid', upload),
  forged('another issuer', 'wrongIssuer', grant),
  forged('another audience', 'wrongAudience', grant),
  forged('an audience list without "authenticated"', 'audienceList', grant),
  forged('role service_role', 'serviceRole', grant),
  forged('role anon', 'anonRole', upload),
  forged('sub that is not a UUID', 'nonUuidSub', upload),
  forged('sub with SQL after the admin id', 'sqlSub', grant),
  forged('an anonymous sign-in of an assigned contributor (is_anonymous: true)', 'anonymous', upload),
  forged("the admin's payload under the contributor's signature", 'tamperedPayload', grant),
  // Verified tokens whose user has no profile: the token is genuine, the account is not there.
  forged('a genuine token of a deleted user', 'deletedUser', upload, forbidden),
  forged('a genuine token of a user that never existed', 'unknownUser', upload, forbidden),
  forged('user_metadata and app_metadata claiming admin', 'metadataAdmin', grant, forbidden),

  // Genuine users on routes their role does not open; the answer does not depend on the id.
  { category: 'roles', name: 'contributor grants a dataset', as: 'contributor', request: grant, expect: forbidden },
  {
    category: 'roles',
    name: 'company user grants a dataset to itself',
    as: 'company',
    request: grant,
    expect: forbidden,
  },
  {
    category: 'roles',
    name: 'company user revokes a grant',
    as: 'company',
    request: (f) => ({ method: 'DELETE', path: `/v1/datasets/${f.datasets.granted}/grants/${f.companyId}` }),
    expect: forbidden,
  },
  {
    category: 'roles',
    name: 'contributor reviews an uploaded submission',
    as: 'contributor',
    request: (f) => post(`/v1/submissions/${f.submissions.uploaded}/review`, { decision: 'approve' }),
    expect: forbidden,
  },
  {
    category: 'roles',
    name: 'validator creates a dataset',
    as: 'validator',
    request: (f) => post('/v1/datasets', { name: 'sneaky', taskId: f.taskId }),
    expect: forbidden,
  },
  {
    category: 'roles',
    name: 'contributor creates a bundle',
    as: 'contributor',
    request: (f) => post('/v1/bundles', { submissionIds: [f.submissions.approved] }),
    expect: forbidden,
  },
  { category: 'roles', name: 'company user opens an upload', as: 'company', request: upload, expect: forbidden },
  {
    category: 'roles',
    name: 'company user reads the access log',
    as: 'company',
    request: () => get('/v1/access-log'),
    expect: forbidden,
  },
  {
    category: 'roles',
    name: 'validator lists companies',
    as: 'validator',
    request: () => get('/v1/companies'),
    expect: forbidden,
  },
  {
    category: 'roles',
    name: 'company user asks for a view URL',
    as: 'company',
    request: (f) => post(`/v1/submissions/${f.submissions.approved}/view-url`),
    expect: forbidden,
  },
];
