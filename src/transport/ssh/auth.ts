/**
 * Authentication as an ordered list of sources (paramiko's AuthStrategy): key files, key text
 * from env, ssh-agent, password from env, keyboard-interactive answered with that password.
 * The authHandler hands ssh2 parsed keys directly, so ssh2 never spends a round trip on 'none'.
 */
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, NextAuthHandler, ParsedKey } from 'ssh2';
import { type AuthAttempt, FleetError, isFleetError } from '../../errors.js';
import type { ConnectTarget } from '../transport.js';
import type { SshCredentialCache } from './credentials.js';

/** One way to authenticate, resolved (keys parsed, secrets read) before the server asks. */
export type AuthSource =
  | { method: 'publickey'; source: string; key: ParsedKey }
  | { method: 'agent'; source: string; socket: string }
  | { method: 'password' | 'keyboard-interactive'; source: string; password: string };

/**
 * Resolves the host's sources in order. Explicit key files and key text must load (else
 * FLEET_KEY_INVALID naming the file); default ~/.ssh keys that are unusable are skipped, as ssh does.
 */
export async function planAuth(host: ConnectTarget, creds: SshCredentialCache): Promise<AuthSource[]> {
  const sources: AuthSource[] = [];
  const explicit = host.identityFiles.length > 0;
  const files = explicit ? host.identityFiles : host.keyEnv || host.passwordEnv || host.agent ? [] : await creds.defaultKeyFiles();
  const loaded = await Promise.all(
    files.map((file) =>
      creds.keyFromFile(file).catch((error: unknown) => {
        if (explicit || !isFleetError(error)) throw error;
        return undefined;
      }),
    ),
  );
  for (const key of loaded) if (key !== undefined) sources.push({ method: 'publickey', source: key.source, key: key.parsed });
  if (host.keyEnv) {
    const key = await creds.keyFromEnv(host.keyEnv);
    sources.push({ method: 'publickey', source: key.source, key: key.parsed });
  }
  const agentSocket = creds.secretFromEnv('SSH_AUTH_SOCK');
  if (host.agent && agentSocket) sources.push({ method: 'agent', source: 'SSH_AUTH_SOCK', socket: agentSocket });
  if (host.passwordEnv) {
    const password = creds.secretFromEnv(host.passwordEnv);
    if (password === undefined) {
      throw new FleetError('FLEET_CONFIG_INVALID', `password_env: environment variable ${host.passwordEnv} is not set`, { host: host.name });
    }
    sources.push({ method: 'password', source: `env:${host.passwordEnv}`, password });
    sources.push({ method: 'keyboard-interactive', source: `env:${host.passwordEnv}`, password });
  }
  return sources;
}

/** Method names as the server lists them in USERAUTH_FAILURE ("publickey" covers the agent too). */
function wireName(source: AuthSource): AuthenticationType {
  return source.method === 'agent' ? 'publickey' : source.method;
}

/**
 * Feeds ssh2 one source at a time and records every attempt. `ready` gates the first attempt:
 * nothing is sent until the sources are resolved and any accept-new host key write is done.
 */
export class AuthDriver {
  readonly attempts: AuthAttempt[] = [];
  #user: string;
  #ready: () => Promise<AuthSource[]>;
  #next = 0;
  #current: AuthAttempt | undefined;

  /**
   * @param ready - called at the first auth step, once the host key is verified; its rejection is
   *   the connect state machine's to report, so here it only stops the driver.
   */
  constructor(user: string, ready: () => Promise<AuthSource[]>) {
    this.#user = user;
    this.#ready = ready;
  }

  /** The `authHandler` for ssh2's connect config. */
  readonly handler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, next) => {
    if (this.#current !== undefined) this.#current.ok = partialSuccess === true;
    this.#ready().then(
      (sources) => this.#tryNext(sources, methodsLeft, next),
      () => undefined,
    );
  };

  /** Marks the attempt in flight as the one that got in. */
  succeeded(): void {
    if (this.#current !== undefined) this.#current.ok = true;
  }

  #tryNext(sources: AuthSource[], methodsLeft: AuthenticationType[] | null, next: NextAuthHandler): void {
    while (this.#next < sources.length) {
      const source = sources[this.#next++] as AuthSource;
      // Skip what the server no longer offers (null on the first call: it has not said yet).
      if (methodsLeft && !methodsLeft.includes(wireName(source))) continue;
      this.#current = { method: source.method, source: source.source, ok: false };
      this.attempts.push(this.#current);
      next(this.#toSsh2(source));
      return;
    }
    this.#current = undefined;
    // ssh2 takes `false` for "no more methods"; its typings do not say so.
    (next as unknown as (method: false) => void)(false);
  }

  #toSsh2(source: AuthSource): AnyAuthMethod {
    const username = this.#user;
    switch (source.method) {
      case 'publickey':
        return { type: 'publickey', username, key: source.key };
      case 'agent':
        return { type: 'agent', username, agent: source.socket };
      case 'password':
        return { type: 'password', username, password: source.password };
      case 'keyboard-interactive':
        return {
          type: 'keyboard-interactive',
          username,
          // Answer hidden prompts with the password; echoed ones (e.g. an OTP label) get nothing.
          prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map((p) => (p.echo ? '' : source.password))),
        };
    }
  }
}
