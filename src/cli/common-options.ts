import { Option, type Command } from 'commander';
// On the start-up path: a leaf module, not the internal entry (see .dependency-cruiser.cjs).
import { OUTPUT_MODES, type OutputMode } from '../render/output-mode.js';

/**
 * Options of every command that selects hosts (`fleet hosts` too): where hosts come from and
 * the settings that override the inventory's.
 */
export interface SelectionCliOptions {
  inventory?: string[];
  limit?: string;
  hosts?: string;
  user?: string;
  port?: string;
  identity?: string[];
  passwordEnv?: string;
  sshConfig?: string;
  knownHosts?: string[];
  connectTimeout?: string;
  /** Connection settings of commands that connect (absent for `fleet hosts`, which does not). */
  kexProfile?: 'default' | 'fast';
  persist?: string;
  keepalive?: string;
}

/** Options every command that connects takes (DESIGN.md §2), as commander parses them. */
export interface CommonOptions extends SelectionCliOptions {
  forks: string;
  strictHostKeys?: 'yes' | 'accept-new' | 'no';
  retries?: string;
  jumpHandshakes?: string;
  maxConnections?: string;
  timeout?: string;
  deadline?: string;
  output: OutputMode;
  quiet?: boolean;
  /** How many times -v was given (`-vv`: 2). */
  verbose?: number;
  color: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Adds the common options to a command, so `fleet CMD --help` lists everything it takes. */
export function addCommonOptions(command: Command): Command {
  return addRunOptions(addSelectionOptions(command));
}

/** The options that choose hosts and override their settings (all `fleet hosts` takes of them). */
export function addSelectionOptions(command: Command): Command {
  return command
    .option('-i, --inventory <file>', 'inventory file (YAML, hosts list or Ansible); repeatable', collect)
    .option('-l, --limit <pattern>', "host pattern, e.g. 'web*', 'web:&prod:!web03', '~^db\\d+$', 'label:role=web'")
    .option('-H, --hosts <list>', 'ad-hoc hosts: a,b,user@c:2222 (ranges allowed), or @FILE (one per line)')
    .option('-u, --user <name>', 'remote user (overrides the inventory)')
    .option('-p, --port <n>', 'remote port (overrides the inventory)')
    .option('--identity <file>', 'private key file; repeatable, tried in order', collect)
    .option('--password-env <var>', 'env var holding the SSH password (never pass a password as an argument)')
    .option('--ssh-config <file>', 'ssh_config file to read (default ~/.ssh/config)')
    .option('--known-hosts <file>', 'known_hosts file; repeatable', collect)
    .option('--connect-timeout <duration>', 'bound on TCP + SSH handshake + auth per host (default 10s)');
}

/** The options of commands that connect: fan-out, bounds, host keys and output. */
export function addRunOptions(command: Command): Command {
  return command
    .option('-f, --forks <n>', 'max hosts in flight', '50')
    .option('--max-connections <n>', 'max SSH connections open at once (default: --forks; fleet run: one per host)')
    .addOption(
      new Option('--strict-host-keys <mode>', 'host key policy (default: the inventory\'s, else yes)').choices([
        'yes',
        'accept-new',
        'no',
      ]),
    )
    .option('--keepalive <interval[,count]>', 'keepalive after INTERVAL of silence from the server; the connection is lost after COUNT unanswered (default 15s,3; 0 turns it off): e.g. 5s,3 detects a frozen host in ~15 s')
    .option('--retries <n>', 'extra connect attempts after refused/reset/timed-out connects, never once auth began (default 0)')
    .option('--jump-handshakes <n>', 'most handshakes in flight through one proxy_jump host (default 10)')
    .addOption(
      new Option('--kex-profile <name>', 'key exchange: default (curve25519 first) or fast (ecdh-sha2-nistp256 first; a security-policy choice, see docs/security.md)').choices(['default', 'fast']),
    )
    .option('--persist <duration>', 'keep the connections open in a background keeper for this long idle, for the next fleet commands (FLEET_PERSIST; 0: off; see docs/persist.md)')
    .option('--timeout <duration>', 'bound on each command, per host (the command is killed)')
    .option('--deadline <duration>', 'bound on the whole run')
    .addOption(
      new Option('--output <mode>', 'auto (live view on a terminal), stream (host | line), group (identical outputs once), json, jsonl')
        .choices(OUTPUT_MODES)
        .default('auto'),
    )
    .option('-q, --quiet', 'only remote output: no per-host errors, no summary')
    .option('-v, --verbose', 'each host\'s phases with timings on stderr (tcp, banner, kex, auth, channel, exit); -vv adds SSH protocol debug', (_: string, n: number) => n + 1, 0)
    .option('--no-color', 'no colours (NO_COLOR is honoured too)');
}
