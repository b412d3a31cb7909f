import { fileURLToPath } from 'node:url';
import { connect } from '../src/index.js';

// usage: tsx examples/session.ts [user@]host[:port] [key-file] [known_hosts]
// One host, one SSH transport: exec, put, rename and sha256 all share it (paramiko's SSHClient).
const [target = 'localhost', keyFile, knownHosts] = process.argv.slice(2);
await using session = await connect(target, {
  ...(keyFile && { identityFiles: [keyFile] }),
  ...(knownHosts && { knownHostsFiles: [knownHosts] }),
  // Or: password, privateKey (key text), agent: true (SSH_AUTH_SOCK).
});

const { stdout, code } = await session.exec('uname -n');
console.log(`${session.host} ${session.hostKey.fingerprint}: ${stdout.trim()} (exit ${code})`);

// Upload beside the target, then move it into place in one step.
await session.put(fileURLToPath(import.meta.url), '/tmp/fleet-example/session.ts.new', { mode: 0o644 });
await session.rename('/tmp/fleet-example/session.ts.new', '/tmp/fleet-example/session.ts');
console.log('sha256', await session.sha256('/tmp/fleet-example/session.ts'));
