import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { run, type Harness, type Seeded } from '../support/harness';
import { presignRawObject } from '../support/seed';

/**
 * The calls the dataset tests make over HTTP: the API with a token, a dataset created and waited
 * for, a download by curl, and where an archive lies in the processed bucket. `harness` and
 * `admin` are read at call time, since suites start the stack in beforeAll.
 */
export function datasetClient(harness: () => Harness, admin: () => string) {
  async function api(method: string, path: string, token: string, json?: unknown) {
    const response = await fetch(`${harness().api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        'user-agent': 'dataset-tests/1',
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  async function createDataset(name: string, members: Seeded[]): Promise<string> {
    const created = await api('POST', '/v1/datasets', admin(), {
      name,
      description: 'test dataset',
      submissionIds: members.map((member) => member.id),
    });
    expect(created.status, JSON.stringify(created.json)).toBe(202);
    expect(created.json).toEqual({ id: expect.any(String), status: 'building' });
    return created.json.id;
  }

  async function settled(id: string): Promise<any> {
    for (const started = Date.now(); Date.now() - started < 110_000; ) {
      const dataset = await api('GET', `/v1/datasets/${id}`, admin());
      expect(dataset.status).toBe(200);
      if (dataset.json.status !== 'building') return dataset.json;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`dataset ${id} still building`);
  }

  async function download(url: string, file: string, headersFile?: string) {
    const result = await run('curl', ['-sS', '-f', '-o', file, ...(headersFile ? ['-D', headersFile] : []), url]);
    expect(result.status, result.stderr).toBe(0);
    return readFileSync(file);
  }

  const archivePath = (id: string, name: string) => `/${harness().s3.buckets.processed}/datasets/${id}/${name}.zip`;

  /** A presigned URL for an object of the processed bucket, signed with the stack's S3 credentials. */
  const presignProcessed = (method: 'GET' | 'HEAD' | 'DELETE', key: string) => {
    const { s3 } = harness();
    return presignRawObject({ ...s3, buckets: { ...s3.buckets, raw: s3.buckets.processed } }, method, key);
  };
  return { api, createDataset, settled, download, archivePath, presignProcessed };
}

/** `count` random bodies of `size` bytes each. */
export const sameSize = (count: number, size: number) => Array.from({ length: count }, () => randomBytes(size));
