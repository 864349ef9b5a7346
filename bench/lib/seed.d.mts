import type postgres from 'postgres';

export interface SeedS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  buckets: { raw: string };
}

export interface SeedBody {
  size: number;
  chunks: () => Iterable<Uint8Array>;
  crc32: number;
  sha256: string | null;
}

export interface Seeded {
  id: string;
  objectKey: string;
  size: number;
  sha256: string | null;
}

export function presignRawObject(s3: SeedS3, method: 'GET' | 'PUT' | 'HEAD' | 'DELETE', key: string): Promise<string>;
export function putObject(s3: SeedS3, key: string, size: number, chunks: Iterable<Uint8Array>): Promise<void>;
export function seedApproved(sql: postgres.Sql, s3: SeedS3, bodies: (SeedBody | Uint8Array)[]): Promise<Seeded[]>;
