/**
 * vitest setupFile of every project: a MaxListenersExceededWarning (a listener leak: one more
 * 'abort' or 'drain' listener per host, per call...) fails the test during which it was emitted,
 * or, emitted after the file's last test, the file. Node emits warnings on a later tick, so the
 * check runs after each test and once more after all of them.
 */
import { afterAll, afterEach } from 'vitest';

const seen: Error[] = [];

process.on('warning', (warning) => {
  if (warning.name === 'MaxListenersExceededWarning') seen.push(warning);
});

function check(): void {
  const warnings = seen.splice(0);
  if (warnings.length > 0) throw new Error(`MaxListenersExceededWarning emitted:\n${warnings.map((w) => w.stack ?? w.message).join('\n')}`);
}

afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  check();
});
afterAll(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  check();
});
