/**
 * `-v` / `-vv` for every command: how verbose, and the redactor that keeps the run's secrets out
 * of what verbosity prints (render/verbose.ts).
 */
import { createRedactor, type HostSpec, type Redact } from '../internal.js';
import type { CommonOptions } from './common-options.js';
import type { CliIo } from './io.js';

/** `-v` counted: 0 none, 1 phases, 2 phases and SSH protocol debug. */
export function verbosity(options: Pick<CommonOptions, 'verbose'>): number {
  return typeof options.verbose === 'number' ? options.verbose : options.verbose ? 1 : 0;
}

/**
 * The secrets this run can hold, read from the variables that name them: `--password-env`,
 * `--sudo-password-env`, each host's `password_env` and `key_env`, and the key passphrase
 * (FLEET_KEY_PASSPHRASE). Their values never print, even if a debug line carried one.
 */
export function redactorFor(options: CommonOptions & { sudoPasswordEnv?: string }, io: Pick<CliIo, 'env'>, hosts: readonly HostSpec[] = []): Redact {
  const names = new Set<string>(['FLEET_KEY_PASSPHRASE']);
  if (options.passwordEnv) names.add(options.passwordEnv);
  if (options.sudoPasswordEnv) names.add(options.sudoPasswordEnv);
  for (const host of hosts) {
    if (host.passwordEnv) names.add(host.passwordEnv);
    if (host.keyEnv) names.add(host.keyEnv);
  }
  return createRedactor([...names].map((name) => io.env[name]));
}
