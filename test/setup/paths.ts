import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in <root>/test/setup). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** test/fixtures: the sshd image's build context and the fixed keys. */
export const fixturesDir: string = join(repoRoot, 'test', 'fixtures');

export const keysDir: string = join(fixturesDir, 'keys');
