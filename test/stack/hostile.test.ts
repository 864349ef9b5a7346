import { describeHostileSuite } from './hostile-suite';

describeHostileSuite('s3rver');
