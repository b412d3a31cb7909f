/**
 * Ansible inventories, INI or YAML, into the fleet model. The format is chosen by extension
 * (`.ini`; `.yaml`/`.yml`) and otherwise by content: a `[section]` line means INI.
 */
import path from 'node:path';
import { parseAnsibleIni } from './ansible-ini.js';
import { ansibleYamlFromSource } from './ansible-yaml.js';
import type { LoaderOptions, SourceModel } from './model.js';
import { readYamlSource } from './yaml-source.js';

export { isAnsibleYamlData } from './ansible-yaml.js';
export { parseAnsibleIni } from './ansible-ini.js';

const SECTION_LINE = /^\s*\[[^:\]\s]+(?::\w+)?\]\s*(?:[#;].*)?$/m;

/** True when text has an INI `[group]`, `[group:vars]` or `[group:children]` line. */
export function looksLikeAnsibleIni(text: string): boolean {
  return SECTION_LINE.test(text);
}

/** Parses an Ansible inventory file's text, INI or YAML. */
export function parseAnsibleInventory(text: string, file: string, opts: LoaderOptions): SourceModel {
  const ext = path.extname(file).toLowerCase();
  const isYaml = ext === '.yaml' || ext === '.yml' || (ext !== '.ini' && !looksLikeAnsibleIni(text));
  if (!isYaml) return parseAnsibleIni(text, file, opts);
  return ansibleYamlFromSource(readYamlSource(file, text), opts);
}
