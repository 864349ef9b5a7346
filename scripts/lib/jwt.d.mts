export type Jwk = JsonWebKey & { kid: string; alg?: string; use?: string };
export interface Jwks {
  keys: Jwk[];
}
export type DemoRole = 'contributor' | 'validator' | 'admin' | 'company';

export function encodeSegment(value: unknown): string;
export function generateSigningKey(): Promise<{ privateJwk: Jwk; jwks: Jwks }>;
export function signJwt(
  privateJwk: Jwk,
  payload: Record<string, unknown>,
  header?: Record<string, unknown>,
): Promise<string>;
export function supabaseClaims(options: {
  supabaseUrl: string;
  userId: string;
  email: string;
  lifetimeSeconds?: number;
  now?: number;
}): Record<string, unknown>;
export const demoUsers: Record<DemoRole, { userId: string; email: string }>;
export const demoTaskId: string;
export const demoCompanyId: string;
