import { describeDatasetFormats } from './dataset-formats-suite';

// Against Ceph RGW, the S3 closest to production: its UploadPartCopy and part-size rules.
describeDatasetFormats('rgw');
