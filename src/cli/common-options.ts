import { Option, type Command } from 'commander';
// On the start-up path: a leaf module, not the internal entry (see .dependency-cruiser.cjs).
import { OUTPUT_MODES, type OutputMode } from '../render/output-mode.js';

/** Options every command takes (DESIGN.md §2), as commander parses them. */
export interface CommonOptions {
  inventory?: string[];
  limit?: string;
  hosts?: string;
  forks: string;
  user?: string;
  port?: string;
  identity?: string[];
  passwordEnv?: string;
  sshConfig?: string;
  knownHosts?: string[];
  strictHostKeys?: 'yes' | 'accept-new' | 'no';
  connectTimeout?: string;
  retries?: string;
  jumpHandshakes?: string;
  maxConnections?: string;
  timeout?: string;
  deadline?: string;
  output: OutputMode;
  quiet?: boolean;
  verbose?: boolean;
  color: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Adds the common options to a command, so `fleet CMD --help` lists everything it takes. */
export function addCommonOptions(command: Command): Command {
  return command
    .option('-i, --inventory <file>', 'inventory file (YAML, hosts list or Ansible); repeatable', collect)
    .option('-l, --limit <pattern>', "host pattern, e.g. 'web*', 'web:&prod:!web03', '~^db\\d+$'")
    .option('-H, --hosts <list>', 'ad-hoc hosts: a,b,user@c:2222 (ranges allowed)')
    .option('-f, --forks <n>', 'max hosts in flight', '50')
    .option('--max-connections <n>', 'max SSH connections open at once (default: --forks; fleet run: one per host)')
    .option('-u, --user <name>', 'remote user (overrides the inventory)')
    .option('-p, --port <n>', 'remote port (overrides the inventory)')
    .option('--identity <file>', 'private key file; repeatable, tried in order', collect)
    .option('--password-env <var>', 'env var holding the SSH password (never pass a password as an argument)')
    .option('--ssh-config <file>', 'ssh_config file to read (default ~/.ssh/config)')
    .option('--known-hosts <file>', 'known_hosts file; repeatable', collect)
    .addOption(
      new Option('--strict-host-keys <mode>', 'host key policy (default: the inventory\'s, else yes)').choices([
        'yes',
        'accept-new',
        'no',
      ]),
    )
    .option('--connect-timeout <duration>', 'bound on TCP + SSH handshake + auth per host (default 10s)')
    .option('--retries <n>', 'extra connect attempts after refused/reset/timed-out connects, never once auth began (default 0)')
    .option('--jump-handshakes <n>', 'most handshakes in flight through one proxy_jump host (default 10)')
    .option('--timeout <duration>', 'bound on each command, per host (the command is killed)')
    .option('--deadline <duration>', 'bound on the whole run')
    .addOption(
      new Option('--output <mode>', 'auto (live view on a terminal), stream (host | line), group (identical outputs once), json, jsonl')
        .choices(OUTPUT_MODES)
        .default('auto'),
    )
    .option('-q, --quiet', 'only remote output: no per-host errors, no summary')
    .option('-v, --verbose', 'more detail about connections')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)');
}
