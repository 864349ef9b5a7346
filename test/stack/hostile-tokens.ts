import { demoUsers, encodeSegment, generateSigningKey, signJwt, supabaseClaims, type Jwk } from '../../scripts/lib/jwt';

/**
 * Access tokens the gateway must refuse, each wrong in one way only; every other claim is what
 * Supabase Auth would issue for a real demo user. RFC 8725 (JWT best practices) §2 lists most of
 * these attacks; the rest are Supabase's own claims (`role`, `aud`, `iss`).
 */
export type ForgedTokens = Record<ForgedName, string>;

export type ForgedName =
  | 'algNone'
  | 'algNoneUppercase'
  | 'hs256WithJwk'
  | 'hs256WithPem'
  | 'unknownKid'
  | 'kidPath'
  | 'kidSql'
  | 'kidMissing'
  | 'jkuElsewhere'
  | 'x5uElsewhere'
  | 'embeddedJwk'
  | 'otherKeySameKid'
  | 'algSwitchedToRs256'
  | 'signatureStripped'
  | 'expired'
  | 'noExpiry'
  | 'notYetValid'
  | 'wrongIssuer'
  | 'wrongAudience'
  | 'audienceList'
  | 'serviceRole'
  | 'anonRole'
  | 'nonUuidSub'
  | 'sqlSub'
  | 'deletedUser'
  | 'unknownUser'
  | 'tamperedPayload'
  | 'metadataAdmin'
  | 'anonymous';

interface LocalAuth {
  supabaseUrl: string;
  privateJwk: Jwk;
  jwks: { keys: Jwk[] };
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

async function hs256(
  secret: Uint8Array,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const input = `${encodeSegment({ typ: 'JWT', ...header, alg: 'HS256' })}.${encodeSegment(payload)}`;
  return `${input}.${base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(input))))}`;
}

/** The public key as PEM (SPKI), the bytes a confused verifier might use as an HMAC secret. */
async function publicPem(jwk: Jwk): Promise<string> {
  const { kty, crv, x, y } = jwk;
  const key = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, { name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'verify',
  ]);
  const der = Buffer.from((await crypto.subtle.exportKey('spki', key)) as ArrayBuffer).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

const segments = (token: string) => token.split('.') as [string, string, string];

export async function forgeTokens(
  auth: LocalAuth,
  users: { deletedUserId: string; validContributor: string; validAdmin: string },
): Promise<ForgedTokens> {
  const { privateJwk, supabaseUrl } = auth;
  const kid = privateJwk.kid;
  const claims = (role: keyof typeof demoUsers, extra: Record<string, unknown> = {}) => ({
    ...supabaseClaims({ supabaseUrl, ...demoUsers[role] }),
    ...extra,
  });
  const signed = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    signJwt(privateJwk, payload, header);
  const now = Math.floor(Date.now() / 1000);
  const attacker = await generateSigningKey();
  const publicJwk = auth.jwks.keys.find((key) => key.kid === kid)!;
  const admin = claims('admin');

  const [, adminPayload] = segments(users.validAdmin);
  const [contributorHeader, , contributorSignature] = segments(users.validContributor);
  const { exp: _exp, ...withoutExpiry } = claims('contributor');
  const ownToken = await signed(admin);
  const { kid: _kid, ...keyWithoutKid } = privateJwk;

  return {
    algNone: `${encodeSegment({ alg: 'none', typ: 'JWT', kid })}.${encodeSegment(admin)}.`,
    algNoneUppercase: `${encodeSegment({ alg: 'NONE', typ: 'JWT', kid })}.${encodeSegment(admin)}.AA`,
    hs256WithJwk: await hs256(encoder.encode(JSON.stringify(publicJwk)), { kid }, admin),
    hs256WithPem: await hs256(encoder.encode(await publicPem(publicJwk)), { kid }, admin),
    unknownKid: await signed(admin, { kid: crypto.randomUUID() }),
    kidPath: await signed(admin, { kid: '../../../../../../dev/null' }),
    kidSql: await signed(admin, { kid: "x' UNION SELECT 'secret' --" }),
    kidMissing: await signJwt(keyWithoutKid as Jwk, admin, { kid: undefined }),
    // Signed by the attacker, whose key the headers point at: a verifier that follows them trusts it.
    jkuElsewhere: await signJwt({ ...attacker.privateJwk, kid }, admin, { jku: 'http://127.0.0.1:9/jwks.json' }),
    x5uElsewhere: await signJwt({ ...attacker.privateJwk, kid }, admin, { x5u: 'http://127.0.0.1:9/cert.pem' }),
    embeddedJwk: await signJwt({ ...attacker.privateJwk, kid }, admin, { jwk: attacker.jwks.keys[0] }),
    otherKeySameKid: await signJwt({ ...attacker.privateJwk, kid }, admin),
    algSwitchedToRs256: `${encodeSegment({ alg: 'RS256', typ: 'JWT', kid })}.${segments(ownToken)[1]}.${segments(ownToken)[2]}`,
    signatureStripped: `${segments(ownToken)[0]}.${segments(ownToken)[1]}.`,
    expired: await signed(claims('contributor', { iat: now - 7200, exp: now - 60 })),
    noExpiry: await signed(withoutExpiry),
    notYetValid: await signed(claims('contributor', { nbf: now + 3600 })),
    wrongIssuer: await signed(claims('admin', { iss: 'https://evil.example/auth/v1' })),
    wrongAudience: await signed(claims('admin', { aud: 'somebody-else' })),
    audienceList: await signed(claims('admin', { aud: ['somebody-else', 'another'] })),
    serviceRole: await signed(claims('admin', { role: 'service_role' })),
    anonRole: await signed(claims('contributor', { role: 'anon' })),
    nonUuidSub: await signed(claims('contributor', { sub: 'contributor' })),
    sqlSub: await signed(claims('contributor', { sub: `${demoUsers.admin.userId}' or '1'='1` })),
    deletedUser: await signed({
      ...supabaseClaims({ supabaseUrl, userId: users.deletedUserId, email: 'deleted@test.xum-ai.app' }),
    }),
    unknownUser: await signed({
      ...supabaseClaims({ supabaseUrl, userId: crypto.randomUUID(), email: 'nobody@test.xum-ai.app' }),
    }),
    // The contributor's genuine header and signature around the admin's payload.
    tamperedPayload: `${contributorHeader}.${adminPayload}.${contributorSignature}`,
    // Roles come from profiles: metadata claiming admin changes nothing.
    metadataAdmin: await signed(
      claims('contributor', { user_metadata: { role: 'admin' }, app_metadata: { role: 'admin' } }),
    ),
    // An anonymous sign-in (role authenticated, is_anonymous true), refused unless configured.
    anonymous: await signed(claims('contributor', { is_anonymous: true })),
  };
}
