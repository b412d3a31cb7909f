// The sshd lab from a shell:  npm run lab -- up 100 [--name demo] [--subnet 21] [--option Key=Value]...
//                             npm run lab -- down [--name demo | --all]
//                             npm run lab -- status [--json]
// `up` prints the inventory path on stdout (everything else on stderr), so scripts can do
//   INVENTORY=$(npm run -s lab -- up 100)
import { parseArgs } from 'node:util';
import { loadLab, startLab, stopLab } from './lab.js';
import { defaultLabDir, labsRoot, listLabs } from './state.js';

const USAGE = `usage: npm run lab -- up N [--name NAME] [--subnet S] [--option Key=Value]...
       npm run lab -- down [--name NAME | --all]
       npm run lab -- status [--json]
labs live in ${labsRoot()} (set FLEET_LAB_DIR to move them); must run as root.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string', default: 'default' },
      subnet: { type: 'string' },
      option: { type: 'string', multiple: true, default: [] },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, count] = positionals;
  if (values.help || command === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  switch (command) {
    case 'up': {
      const hosts = Number(count);
      if (!Number.isInteger(hosts) || hosts < 1) throw new UsageError('up needs a host count, e.g. `up 100`');
      const sshdOptions = Object.fromEntries(values.option.map(parseOption));
      const t0 = performance.now();
      const lab = await startLab({
        hosts,
        name: values.name,
        detached: true,
        sshdOptions,
        ...(values.subnet === undefined ? {} : { subnet: Number(values.subnet) }),
      });
      const first = lab.hosts[0];
      const last = lab.hosts[lab.hosts.length - 1];
      process.stderr.write(
        `lab "${lab.name}": ${lab.hosts.length} hosts (${first?.address} .. ${last?.address}) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n` +
          `  try:  fleet -i ${lab.inventoryFile} exec 'uname -n'\n` +
          `  stop: npm run lab -- down --name ${lab.name}\n`,
      );
      process.stdout.write(`${lab.inventoryFile}\n`);
      return 0;
    }
    case 'down': {
      const dirs = values.all ? listLabs().map((l) => l.state.dir) : [defaultLabDir(values.name)];
      for (const dir of dirs) {
        const lab = loadLab(dir);
        await stopLab(dir);
        process.stderr.write(lab ? `lab "${lab.name}" stopped (${lab.hosts.length} hosts)\n` : `no lab in ${dir}\n`);
      }
      return 0;
    }
    case 'status': {
      const labs = listLabs();
      if (values.json) {
        process.stdout.write(`${JSON.stringify(labs.map((l) => ({ ...l.state, alive: l.alive })), null, 2)}\n`);
      } else if (labs.length === 0) {
        process.stdout.write(`no labs in ${labsRoot()}\n`);
      } else {
        for (const { state, alive } of labs) {
          process.stdout.write(`${state.name}\t${alive}/${state.hosts.length} up\t127.${state.subnet}.0.0/16\t${state.inventoryFile}\n`);
        }
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

function parseOption(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--option wants Key=Value, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`lab: ${(err as Error).message}\n${usage ? `${USAGE}\n` : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
