import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';

// The headless Chromium that the npm package @sparticuz/chromium ships (bin/chromium.br, a brotli
// stream of chrome-headless-shell), so the tests need no system browser and download nothing.
//
// Its own executablePath() is not used: it inflates into the shared os.tmpdir() root, returns
// whatever `chromium` it finds there (another version's, or one a parallel test file is still
// writing: vitest runs stack files in parallel), and unpacks the NSS libraries the binary links
// (libnss3, libnspr4, libexpat) only on Amazon Linux. Here the same archives are inflated into a
// directory named after the package version, staged and renamed into place in one step (rename(2)
// is atomic), and the libraries come from the package rather than from whatever the system has.

const packageRoot = findPackageRoot(createRequire(import.meta.url).resolve('@sparticuz/chromium'));
const packageBin = join(packageRoot, 'bin');
const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
const installDir = join(tmpdir(), `sparticuz-chromium-${version}`);

/** The package's directory, above its entry point: its `exports` do not export package.json. */
function findPackageRoot(entryPoint: string): string {
  for (let directory = dirname(entryPoint); directory !== dirname(directory); directory = dirname(directory)) {
    if (existsSync(join(directory, 'bin', 'chromium.br'))) return directory;
  }
  throw new Error(`@sparticuz/chromium has no bin/chromium.br above ${entryPoint}`);
}

/** The inflated binary and its library directory, inflating them on first use. */
export async function chromiumInstall(): Promise<{ executablePath: string; libraryPath: string }> {
  const install = { executablePath: join(installDir, 'chromium'), libraryPath: join(installDir, 'lib') };
  if (existsSync(install.executablePath)) return install;
  const staging = mkdtempSync(`${installDir}.partial-`);
  try {
    await pipeline(
      createReadStream(join(packageBin, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(join(staging, 'chromium'), { mode: 0o755 }),
    );
    await extractTar(brotliDecompressSync(readFileSync(join(packageBin, 'al2023.tar.br'))), staging);
    renameSync(staging, installDir);
  } catch (error) {
    // Another process renamed its complete copy into place first: use that one.
    if (!existsSync(install.executablePath)) throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return install;
}

/**
 * Regular files and directories of a POSIX ustar archive (POSIX.1-2001, pax "ustar Interchange
 * Format"): 512-byte headers, name at 0..100, octal size at 124..136, type flag at 156, each body
 * padded to 512 bytes, two zero blocks at the end. The package's archives hold nothing else.
 */
async function extractTar(archive: Buffer, into: string): Promise<void> {
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const header = archive.subarray(offset, offset + 512);
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) return;
    if (name.split('/').includes('..')) throw new Error(`tar entry escapes its directory: ${name}`);
    const size = Number.parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const target = join(into, name);
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0' || type === '\0') {
      mkdirSync(dirname(target), { recursive: true });
      await writeFile(target, archive.subarray(offset + 512, offset + 512 + size));
    } else throw new Error(`tar entry ${name} has type ${JSON.stringify(type)}, which is not extracted`);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

/** Headless Chromium under playwright-core, with nothing that calls home. */
export async function launchChromium(): Promise<Browser> {
  const { executablePath, libraryPath } = await chromiumInstall();
  const inherited = process.env.LD_LIBRARY_PATH;
  return chromium.launch({
    executablePath,
    env: { ...process.env, LD_LIBRARY_PATH: inherited ? `${libraryPath}:${inherited}` : libraryPath },
    args: [
      // Root in a container has no user namespace for the sandbox; the zygote needs one too.
      '--no-sandbox',
      '--no-zygote',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
