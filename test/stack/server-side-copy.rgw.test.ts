import { describeServerSideCopy } from './server-side-copy-suite';

// Against Ceph RGW, whose CopyObject and UploadPartCopy are the ones refused mid-run.
describeServerSideCopy('rgw');
