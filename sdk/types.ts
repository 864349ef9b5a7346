// The SDK speaks the gateway's own schemas: these types are inferred from the zod schemas the
// routes validate with and the OpenAPI document is generated from. Type-only imports: nothing of
// the Worker ends up in an app's bundle.
export type { CreateUploadRequest, CreateUploadResponse } from '../src/routes/uploads/create-upload';
export type { CompleteUploadRequest } from '../src/routes/uploads/complete-upload';
export type { SignPartsRequest, SignedPart } from '../src/routes/uploads/sign-parts';
export type { UploadedPartResponse } from '../src/routes/uploads/list-parts';
export type { SubmissionResponse, ErrorEnvelopeResponse } from '../src/routes/schemas';
export type { CreateBundleRequest, CreateBundleResponse } from '../src/routes/bundles/create-bundle';
export type { DatasetDownloadUrlResponse } from '../src/routes/datasets/create-download-url';
