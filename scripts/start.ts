// `npm start`: the whole stack on loopback. Prints one `ready <url>` line when everything answers;
// SIGINT or SIGTERM stops every process it started, at any point, start-up included.
import { createStack } from './lib/stack';

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);
const stack = createStack({ log });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await stack.stop();
    process.exit(0);
  });
}

try {
  const { url } = await stack.start();
  const health = await fetch(`${url}/healthz`);
  if (!health.ok) throw new Error(`worker answered ${health.status} on /healthz`);
  process.stdout.write(`ready ${url}\n`);
} catch (error) {
  if (!stopping) {
    log(`start failed: ${(error as Error).message}`);
    await stack.stop();
    process.exit(1);
  }
}
