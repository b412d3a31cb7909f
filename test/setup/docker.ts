import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fixturesDir, repoRoot } from './paths.js';

const run = promisify(execFile);

export const BASE_IMAGE = 'fleet-sshd-base:bookworm';
export const SSHD_IMAGE = 'fleet-sshd:test';

export interface BuildSshdImageOptions {
  /** Image tag to build (default `fleet-sshd:test`). */
  image?: string;
  /** Base image (the Dockerfile's `BASE` ARG; default the local `fleet-sshd-base:bookworm`). */
  base?: string;
  buildArgs?: Record<string, string>;
}

/** Throw a clear error unless the docker CLI can talk to a daemon. */
export async function assertDockerReachable(): Promise<void> {
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 15_000 });
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    throw new Error(
      'fleet integration tests need a running Docker daemon, and none is reachable.\n' +
        'As root: `bash scripts/ensure-dockerd.sh` (starts dockerd in the background and waits for it),\n' +
        'or `apt-get install -y docker.io` first if docker is missing.\n' +
        `docker said: ${detail}`,
      { cause: err },
    );
  }
}

export async function imageExists(image: string): Promise<boolean> {
  try {
    await run('docker', ['image', 'inspect', '--format', '{{.Id}}', image]);
    return true;
  } catch {
    return false;
  }
}

/** Build the local mmdebstrap base image unless present (scripts/build-base-image.sh). */
export async function ensureBaseImage(image: string = BASE_IMAGE): Promise<void> {
  if (await imageExists(image)) return;
  await run('sh', [join(repoRoot, 'scripts', 'build-base-image.sh'), image], { timeout: 600_000, maxBuffer: 64 << 20 });
}

/**
 * `docker build -f Dockerfile.sshd test/fixtures` with the plain CLI: layer-cached (≈0.1 s when
 * nothing changed), a context of a few KiB, and never a pull (no `--pull`; the base is local).
 * testcontainers' fromDockerfile would tar the whole repo, node_modules included.
 */
export async function buildSshdImage(options: BuildSshdImageOptions = {}): Promise<string> {
  const image = options.image ?? SSHD_IMAGE;
  const args = ['build', '--quiet', '-f', join(repoRoot, 'Dockerfile.sshd'), '-t', image];
  const buildArgs = { BASE: options.base ?? BASE_IMAGE, ...options.buildArgs };
  for (const [key, value] of Object.entries(buildArgs)) args.push('--build-arg', `${key}=${value}`);
  args.push(fixturesDir);
  try {
    await run('docker', args, { timeout: 600_000, maxBuffer: 64 << 20 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`docker build of ${image} failed:\n${stderr.slice(-4_000)}`, { cause: err });
  }
  return image;
}

/** Force-remove containers by id (missing ones are fine). */
export async function removeContainers(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await run('docker', ['rm', '--force', '--volumes', ...ids]).catch(() => undefined);
}
