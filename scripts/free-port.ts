// Prints a TCP port on 127.0.0.1 that nothing listens on right now, for a shell script that
// starts a server of its own (.ci/run starts `npm start` on one).
import { freePort } from './lib/ports';

process.stdout.write(`${await freePort()}\n`);
