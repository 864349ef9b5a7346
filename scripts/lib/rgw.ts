// Ceph RADOS Gateway for the stack and the tests: the S3 implementation closest to production
// (Hetzner Object Storage runs on Ceph). A throw-away single-node cluster on loopback, started from
// the Debian packages (radosgw ceph-mon ceph-osd ceph-common): one monitor, one OSD on memstore
// (objects live in the OSD's RAM) and radosgw with its beast frontend. No manager daemon is
// needed for S3. Every daemon runs in the foreground as our child, so stop() ends each by its PID.
// Reference: https://docs.ceph.com/en/pacific/install/manual-deployment/
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import { rawBucketCors } from './bucket-config';
import { type LocalS3, localBuckets } from './local-s3';
import { freePort, waitUntil } from './ports';
import { parseCorsOrigins } from '../../src/cors-origins';

const binaries = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'monmaptool'];

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
}

/** True when the Ceph binaries this module runs are installed. */
export function rgwAvailable(): boolean {
  return binaries.every(onPath);
}

/**
 * A cephx secret as Ceph stores it (CryptoKey::encode): type 1 (AES), creation time, length 16,
 * then 16 random bytes, base64. Written straight into keyrings, so no ceph-authtool run is needed.
 */
function cephxKey(): string {
  const header = Buffer.alloc(12);
  header.writeUInt16LE(1, 0);
  header.writeUInt32LE(Math.floor(Date.now() / 1000), 2);
  header.writeUInt32LE(0, 6);
  header.writeUInt16LE(16, 10);
  return Buffer.concat([header, randomBytes(16)]).toString('base64');
}

interface KeyringEntry {
  name: string;
  key: string;
  caps: Record<string, string>;
}

function keyring(entries: KeyringEntry[]): string {
  return `${entries
    .map(({ name, key, caps }) =>
      [
        `[${name}]`,
        `\tkey = ${key}`,
        ...Object.entries(caps).map(([service, cap]) => `\tcaps ${service} = "${cap}"`),
      ].join('\n'),
    )
    .join('\n')}\n`;
}

// Only what a one-OSD cluster on loopback needs; the rest are Pacific's defaults.
// https://docs.ceph.com/en/pacific/rados/configuration/
// The monitor and radosgw listen on ports chosen here; the OSD needs four and binds them itself on
// 127.0.0.1 within ms_bind_port_min..max (6800-7300), moving on when one is taken, so two clusters
// side by side do not collide. Only msgr2 is bound: nothing here speaks the legacy protocol.
function cephConf({
  fsid,
  dir,
  monPort,
  rgwPort,
}: {
  fsid: string;
  dir: string;
  monPort: number;
  rgwPort: number;
}): string {
  return `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${monPort}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
keyring = ${dir}/keyring
log file = ${dir}/log/$name.log
admin socket = ${dir}/run/$name.asok
run dir = ${dir}/run
crash dir = ${dir}/crash
log to stderr = false
err to stderr = true
# One OSD holds every object once: pools of size 1, placement across OSDs rather than hosts.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# The monitor batches map changes for 1 s by default; radosgw creates its pools one by one.
paxos propose interval = 0.05
paxos min wait = 0.01

[mon.a]
mon data = ${dir}/mon.a
mon cluster log file = ${dir}/log/cluster.log

[osd.0]
osd data = ${dir}/osd.0
osd objectstore = memstore
memstore device bytes = ${2 * 1024 ** 3}

[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw enable usage log = false
# No bucket here has lifecycle rules, and the lifecycle workers sleep 5 s between lock attempts,
# which radosgw waits out on SIGTERM: without them it stops in well under a second.
rgw enable lc threads = false
`;
}

/** One daemon in the foreground (`-f`), our child: its PID is the daemon's. */
interface Daemon {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  stderr(): string;
}

function startDaemon(command: string, args: string[], { dir }: { dir: string }): Daemon {
  const child = spawn(command, ['-f', '-c', join(dir, 'ceph.conf'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: dir,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name: command, child, exited, stderr: () => stderr };
}

const alive = (daemon: Daemon) => daemon.child.exitCode === null && daemon.child.signalCode === null;

async function stopDaemon(daemon: Daemon): Promise<void> {
  if (!alive(daemon)) return;
  // SIGTERM is a clean shutdown for every Ceph daemon; memstore has nothing to flush that we keep.
  daemon.child.kill('SIGTERM');
  const timeout = new Promise((resolve) => setTimeout(resolve, 10_000, 'timeout'));
  if ((await Promise.race([daemon.exited, timeout])) === 'timeout' && alive(daemon)) {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
}

async function createBuckets({
  endpoint,
  accessKeyId,
  secretAccessKey,
  region,
  origins,
}: {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  origins: string[];
}): Promise<void> {
  const s3 = new AwsClient({ accessKeyId, secretAccessKey, service: 's3', region });
  const expectOk = async (response: Response, what: string) => {
    const text = await response.text();
    if (!response.ok) throw new Error(`${what}: ${response.status} ${text}`);
  };
  for (const bucket of Object.values(localBuckets)) {
    await expectOk(await s3.fetch(`${endpoint}/${bucket}`, { method: 'PUT' }), `create bucket ${bucket}`);
  }
  // PutBucketCors requires Content-MD5: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
  const cors = rawBucketCors(origins);
  const md5 = createHash('md5').update(cors).digest('base64');
  await expectOk(
    await s3.fetch(`${endpoint}/${localBuckets.raw}?cors`, {
      method: 'PUT',
      body: cors,
      headers: { 'content-md5': md5, 'content-type': 'application/xml' },
    }),
    'put bucket cors',
  );
}

/** Starts a private Ceph cluster with radosgw on loopback; `stop()` ends every daemon and removes its data. */
export async function startRgw({
  origins = parseCorsOrigins(),
}: {
  origins?: string[];
} = {}): Promise<LocalS3 & { kind: 'rgw'; pids: number[] }> {
  if (!rgwAvailable())
    throw new Error(`Ceph RGW needs ${binaries.join(', ')} (apt-get install radosgw ceph-mon ceph-osd ceph-common)`);
  const dir = mkdtempSync(join(tmpdir(), 'storage-manager-rgw-'));
  for (const sub of ['mon.a', 'osd.0', 'log', 'run', 'rgw', 'crash']) mkdirSync(join(dir, sub));
  const [monPort, rgwPort] = await Promise.all([freePort(), freePort()]);
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  writeFileSync(conf, cephConf({ fsid, dir, monPort, rgwPort }));

  // All keys up front: the monitor imports its keyring at mkfs, so the OSD and radosgw are known
  // to it from the start and no `ceph auth` round trip is needed.
  const clients: KeyringEntry[] = [
    { name: 'client.admin', key: cephxKey(), caps: { mon: 'allow *', osd: 'allow *', mgr: 'allow *' } },
    { name: 'osd.0', key: cephxKey(), caps: { mon: 'allow profile osd', mgr: 'allow profile osd', osd: 'allow *' } },
    { name: 'client.rgw.gw', key: cephxKey(), caps: { mon: 'allow rw', osd: 'allow rwx' } },
  ];
  writeFileSync(join(dir, 'keyring'), keyring(clients), { mode: 0o600 });
  writeFileSync(
    join(dir, 'mon.keyring'),
    keyring([{ name: 'mon.', key: cephxKey(), caps: { mon: 'allow *' } }, ...clients]),
    { mode: 0o600 },
  );

  const daemons: Daemon[] = [];
  const tools = new Set<ChildProcess>();
  const killOnExit = () => {
    for (const child of tools) child.kill('SIGKILL');
    for (const daemon of daemons) if (alive(daemon)) daemon.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const stopAll = async () => {
    process.off('exit', killOnExit);
    // radosgw first, the monitor last: each stops while what it talks to is still there.
    for (const daemon of [...daemons].reverse()) await stopDaemon(daemon);
    rmSync(dir, { recursive: true, force: true });
  };
  // A command that runs to completion (mkfs, `ceph osd new`, radosgw-admin); kept in `tools`
  // while it runs so that it, too, is killed if this process exits mid-start.
  const tool = (command: string, args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(command, args, { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
        tools.delete(child);
        if (error) reject(new Error(`${command} ${args.join(' ')}: ${error.message} ${stderr}`));
        else resolve(stdout);
      });
      tools.add(child);
    });
  const cephTool = (command: string, args: string[]) => tool(command, ['-c', conf, ...args]);
  const whileRunning = async <T>(step: Promise<T>): Promise<T> => {
    const died = daemons.map((daemon) =>
      daemon.exited.then(() => {
        throw new Error(`${daemon.name} exited during start-up: ${daemon.stderr()}`);
      }),
    );
    for (const promise of died) promise.catch(() => {});
    return Promise.race([step, ...died]);
  };

  const accessKeyId = `RGW${randomBytes(10).toString('hex').toUpperCase()}`.slice(0, 20);
  const secretAccessKey = randomBytes(30).toString('base64url').slice(0, 40);
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const region = 'us-east-1';
  try {
    await tool('monmaptool', [
      '--create',
      '--fsid',
      fsid,
      '--addv',
      'a',
      `[v2:127.0.0.1:${monPort}]`,
      join(dir, 'monmap'),
    ]);
    await cephTool('ceph-mon', [
      '--mkfs',
      '-i',
      'a',
      '--monmap',
      join(dir, 'monmap'),
      '--keyring',
      join(dir, 'mon.keyring'),
    ]);
    daemons.push(startDaemon('ceph-mon', ['-i', 'a'], { dir }));

    // `ceph osd new` waits for the monitor (up to the connect timeout) and enters osd.0 in the map.
    const osdUuid = randomUUID();
    const osdId = await whileRunning(cephTool('ceph', ['--connect-timeout', '30', 'osd', 'new', osdUuid]));
    if (osdId.trim() !== '0') throw new Error(`unexpected OSD id ${osdId.trim()}`);
    await cephTool('ceph-osd', ['-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
    daemons.push(startDaemon('ceph-osd', ['-i', '0'], { dir }));

    // radosgw creates its pools once the OSD is up, then listens.
    daemons.push(startDaemon('radosgw', ['-n', 'client.rgw.gw'], { dir }));
    await whileRunning(
      waitUntil(
        async () => {
          const response = await fetch(endpoint);
          await response.arrayBuffer();
        },
        { what: 'radosgw', timeoutMs: 120_000, intervalMs: 100 },
      ),
    );

    await cephTool('radosgw-admin', [
      '-n',
      'client.admin',
      'user',
      'create',
      '--uid=storage-manager',
      '--display-name=storage-manager',
      `--access-key=${accessKeyId}`,
      `--secret-key=${secretAccessKey}`,
    ]);
    await createBuckets({ endpoint, accessKeyId, secretAccessKey, region, origins });
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    kind: 'rgw',
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: true,
    buckets: localBuckets,
    pids: daemons.map((daemon) => daemon.child.pid as number),
    stop: stopAll,
  };
}
