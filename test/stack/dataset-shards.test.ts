import { describeDatasetShards } from './dataset-shards-suite';

describeDatasetShards('s3rver');
