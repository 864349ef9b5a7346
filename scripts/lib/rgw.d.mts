import type { LocalS3 } from './s3.mjs';

export function rgwAvailable(): boolean;
export function startRgw(options?: { origins?: string[] }): Promise<LocalS3 & { kind: 'rgw'; pids: number[] }>;
