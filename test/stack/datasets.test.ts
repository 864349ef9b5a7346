import { describeDatasets } from './datasets-suite';

describeDatasets('s3rver');
