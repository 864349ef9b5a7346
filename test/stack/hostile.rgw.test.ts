import { describeHostileSuite } from './hostile-suite';

describeHostileSuite('rgw');
