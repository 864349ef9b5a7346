import { describeDatasets } from './datasets-suite';

// The same suite against Ceph RGW, the S3 closest to production (Hetzner runs Ceph): its
// UploadPartCopy and part-size rules are the ones the build must satisfy.
describeDatasets('rgw');
