export { upload, type UploadOptions, type UploadProgress } from './upload';
export { GatewayError, gatewayClient, type GatewayOptions } from './gateway';
export { fromBlob, fromBytes, type UploadSource } from './source';
export type * from './types';
