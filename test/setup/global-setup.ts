import type { TestProject } from 'vitest/node';
import { startSshdContainers, sshdEnvironment, type SshdEnvironment } from './containers.js';
import { assertDockerReachable, buildSshdImage, ensureBaseImage } from './docker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The integration project's sshd containers (c1..c3); see test/setup/containers.ts. */
    sshd: SshdEnvironment;
  }
}

/** Containers started for the whole integration run: enough for the foundation tests. */
const CONTAINER_COUNT = 3;

/**
 * vitest globalSetup of the integration project: docker reachable, images built (cached builds
 * take ~0.1 s), three sshd containers ready, their description provided as `inject('sshd')`.
 * The returned teardown removes the containers by id.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = performance.now();
  await assertDockerReachable();
  await ensureBaseImage();
  const image = await buildSshdImage();
  const t1 = performance.now();
  const containers = await startSshdContainers(CONTAINER_COUNT, { image, build: false });
  const t2 = performance.now();
  process.stderr.write(
    `[fleet sshd] images ready in ${Math.round(t1 - t0)} ms; ${CONTAINER_COUNT} containers ready in ${Math.round(t2 - t1)} ms ` +
      `(${containers.containers.map((c) => `${c.name}=127.0.0.1:${c.port}`).join(' ')})\n`,
  );
  project.provide('sshd', sshdEnvironment(containers));
  return () => containers.stop();
}
