import { describeDatasetShards } from './dataset-shards-suite';

// Against Ceph RGW, the S3 closest to production: its UploadPartCopy and part-size rules.
describeDatasetShards('rgw');
