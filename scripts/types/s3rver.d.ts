// @20minutes/s3rver ships no type declarations: the part of its API (lib/s3rver.js) that
// scripts/lib/s3rver.ts uses.
declare module '@20minutes/s3rver' {
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';

  interface BucketConfiguration {
    name: string;
    /** CORS, website or tagging documents (XML) applied to the bucket at start-up. */
    configs: (string | Buffer)[];
  }

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    configureBuckets?: BucketConfiguration[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    httpServer: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
