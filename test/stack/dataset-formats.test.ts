import { describeDatasetFormats } from './dataset-formats-suite';

describeDatasetFormats('s3rver');
