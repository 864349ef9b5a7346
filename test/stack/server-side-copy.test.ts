import { describeServerSideCopy } from './server-side-copy-suite';

describeServerSideCopy('s3rver');
