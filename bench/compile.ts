/**
 * The baseline scripts are TypeScript like the rest of the bench, but they must run under plain
 * `node` (tsx's start-up would be charged to the baseline): transpile each one to
 * bench/.build/<name>.mjs, next to the repo's node_modules so `ssh2` resolves.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';

export interface BaselineScripts {
  ssh2Fanout: string;
  sftpTransfer: string;
}

export async function buildBaselines(benchDir: string): Promise<BaselineScripts> {
  const out = join(benchDir, '.build');
  await mkdir(out, { recursive: true });
  const build = async (name: string): Promise<string> => {
    const source = await readFile(join(benchDir, 'baselines', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: `${name}.ts`,
    });
    const file = join(out, `${name}.mjs`);
    await writeFile(file, outputText);
    return file;
  };
  return { ssh2Fanout: await build('ssh2-fanout'), sftpTransfer: await build('sftp-transfer') };
}
