import { defineConfig } from 'vitest/config';
import { persistKeeperDir } from './test/setup/persist-dir.js';

// The suites that the `persist` project runs a second time, through a warm --persist keeper.
const PERSIST_SUITES = [
  'test/integration/exec.test.ts',
  'test/integration/exec-options.test.ts',
  'test/integration/exec-lab.test.ts',
  'test/integration/steps.test.ts',
  'test/integration/rollout.test.ts',
  'test/integration/transfer.test.ts',
];

// Projects, chosen with --project: unit (pure modules, milliseconds, no network),
// integration (real OpenSSH: containers and the local sshd lab), e2e (the built CLI, spawned),
// faults (fault injection: lab sshds behind TCP fault proxies), persist (integration suites again
// through a warm --persist keeper).
// Every project: test/setup/hygiene.ts fails the run if it leaves temp dirs, lab processes or
// containers behind; test/setup/no-warnings.ts fails a test that leaks listeners.
const hygiene = 'test/setup/hygiene.ts';
const setupFiles = ['test/setup/no-warnings.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
          globalSetup: [hygiene],
          setupFiles,
          // Type-level tests of the public API (test/types/*.test-d.ts): tsc checks them, nothing runs.
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: 'tsconfig.json' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // hygiene first: its teardown runs last, after the containers are stopped.
          globalSetup: [hygiene, 'test/setup/global-setup.ts'],
          setupFiles,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Real servers share two cores: run files one at a time so timings stay sane.
          fileParallelism: false,
        },
      },
      {
        test: {
          // The integration suites above again, every CLI run through the keeper (issue #16:
          // same statuses, output, exit codes with and without --persist).
          name: 'persist',
          include: PERSIST_SUITES,
          globalSetup: [hygiene, 'test/setup/global-setup.ts', 'test/setup/persist-setup.ts'],
          setupFiles,
          env: { FLEET_PERSIST: '5m', FLEET_KEEPER_DIR: persistKeeperDir() },
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          // The spawned CLI runs against the local sshd lab, which each file starts itself.
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: [hygiene],
          setupFiles,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'faults',
          // Fault injection against real sshd (the local lab) and TCP fault proxies (test/faults).
          include: ['test/faults/**/*.test.ts'],
          globalSetup: [hygiene],
          setupFiles,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
