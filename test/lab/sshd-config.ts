/** Defaults of every lab sshd; `sshdOptions` override them key by key. */
export const LAB_SSHD_DEFAULTS: Readonly<Record<string, string>> = {
  PermitRootLogin: 'prohibit-password',
  PubkeyAuthentication: 'yes',
  PasswordAuthentication: 'no',
  KbdInteractiveAuthentication: 'no',
  // PAM would run the machine's session stack (motd, loginuid, env) on every login: slower and
  // nothing a test needs. Root's password is `*` here, which OpenSSH does not treat as locked.
  UsePAM: 'no',
  UseDNS: 'no',
  PrintMotd: 'no',
  PrintLastLog: 'no',
  MaxStartups: '1000:30:1000',
  MaxSessions: '64',
  AcceptEnv: 'LANG LC_* FLEET_*',
  Subsystem: 'sftp /usr/lib/openssh/sftp-server',
  LogLevel: 'INFO',
};

export interface LabSshdConfig {
  address: string;
  port: number;
  hostKeyFile: string;
  pidFile: string;
  authorizedKeysFile: string;
  options?: Record<string, string>;
}

/** sshd_config text for one lab host (sshd keeps the first value of a keyword: emit each once). */
export function labSshdConfig(c: LabSshdConfig): string {
  const settings: Record<string, string> = {
    ListenAddress: `${c.address}:${c.port}`,
    HostKey: c.hostKeyFile,
    PidFile: c.pidFile,
    AuthorizedKeysFile: c.authorizedKeysFile,
    ...LAB_SSHD_DEFAULTS,
    ...c.options,
  };
  const lines = Object.entries(settings).map(([key, value]) => `${key} ${value}`);
  return `# fleet lab host; written by test/lab/lab.ts\n${lines.join('\n')}\n`;
}
