/**
 * The tar planner's public surface: plain TypeScript over Uint8Array, no HTTP, no platform APIs.
 * `planTar(members)` gives the archive as a ContainerLayout (src/containers/layout.ts): its exact
 * length, where each stored body lies, and any byte range as produced bytes and member ranges.
 * `tarEtag(members)` is its strong ETag. Byte segments may share memory with the caller's inline
 * bodies: treat them as read-only.
 */
export { tarEtag } from './etag';
export { TarPlanError, type TarPlanErrorKind } from './errors';
export { planTar } from './plan';
export type { TarMember } from './types';
