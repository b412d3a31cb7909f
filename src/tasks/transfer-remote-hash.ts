/**
 * sha256 of remote files, computed on the host over exec on the transfer's own connection. One
 * command covers a batch of files. It prefers `openssl dgst -sha256` (OpenSSL's SHA-NI code runs
 * ~6x faster than coreutils' sha256sum on the same CPU, which matters when a 2-core machine hashes
 * 20 x 64 MiB), falls back to `sha256sum`, and reports when neither exists so the caller can fall
 * back to sizes (with a warning). Each file is read from stdin, so names never appear in the
 * output and a strange name cannot confuse the parsing: one line per file, in order, `-` when
 * the file could not be read.
 */
import { FleetError } from '../errors.js';
import type { Connection } from '../transport/index.js';
import { shellQuote } from '../shell-quote.js';
import { commandPath } from './transfer-paths.js';

/** Which tool hashed, and each file's digest in the order asked (undefined: could not be read). */
export interface RemoteDigests {
  tool: 'openssl' | 'sha256sum' | 'none';
  digests: (string | undefined)[];
}

// One command line stays far below any ARG_MAX and SSH request limit.
const BATCH_FILES = 200;
const BATCH_BYTES = 48 * 1024;

const PREAMBLE =
  "if command -v openssl >/dev/null 2>&1; then h='openssl dgst -sha256 -r'; " +
  'elif command -v sha256sum >/dev/null 2>&1; then h=sha256sum; ' +
  "else echo 'fleet-hash none'; exit 0; fi; " +
  'echo "fleet-hash ${h%% *}"; ';

/** The command hashing `paths` (exported for tests). */
export function remoteHashCommand(paths: readonly string[]): string {
  const words = paths.map((p) => shellQuote(commandPath(p))).join(' ');
  return `${PREAMBLE}for f in ${words}; do $h 2>/dev/null < "$f" || echo '-'; done`;
}

/** Parses the command's output; undefined when it is not what the command prints. */
export function parseRemoteHashOutput(stdout: string, count: number): RemoteDigests | undefined {
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const head = /^fleet-hash (openssl|sha256sum|none)$/.exec(lines[0] ?? '');
  if (head === null) return undefined;
  const tool = head[1] as RemoteDigests['tool'];
  if (tool === 'none') return { tool, digests: Array.from({ length: count }, () => undefined) };
  // One line per file: fewer means the command was cut short.
  if (lines.length - 1 < count) return undefined;
  const digests = lines.slice(1, 1 + count).map((line) => /^\\?([0-9a-f]{64})\b/.exec(line)?.[1]);
  return { tool, digests };
}

/** Hashes `paths` on the host of `conn`; rejects with FLEET_VERIFY_FAILED when the command misbehaves. */
export async function remoteSha256(conn: Connection, paths: readonly string[], signal: AbortSignal): Promise<RemoteDigests> {
  const out: RemoteDigests = { tool: 'none', digests: [] };
  for (const batch of batches(paths)) {
    const part = await hashBatch(conn, batch, signal);
    if (part.tool !== 'none') out.tool = part.tool;
    out.digests.push(...part.digests);
  }
  return out;
}

async function hashBatch(conn: Connection, paths: readonly string[], signal: AbortSignal): Promise<RemoteDigests> {
  let stdout = '';
  let stderr = '';
  const exit = await conn.exec({
    command: remoteHashCommand(paths),
    signal,
    onStdout: (chunk) => {
      stdout += chunk.toString('utf8');
    },
    onStderr: (chunk) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    },
  });
  const parsed = exit.exitCode === 0 ? parseRemoteHashOutput(stdout, paths.length) : undefined;
  if (parsed === undefined) {
    const why = exit.exitCode === 0 ? 'unexpected output' : `exit ${exit.exitCode ?? exit.signal ?? '?'}`;
    throw new FleetError('FLEET_VERIFY_FAILED', `${conn.host}: the remote checksum command failed (${why})${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}`, {
      host: conn.host,
    });
  }
  return parsed;
}

function* batches(paths: readonly string[]): Generator<string[]> {
  let batch: string[] = [];
  let bytes = 0;
  for (const path of paths) {
    const size = Buffer.byteLength(path) + 4;
    if (batch.length > 0 && (batch.length >= BATCH_FILES || bytes + size > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(path);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
