/**
 * Shell completion scripts for bash, zsh and fish, generated from the commander program itself
 * (so a new command or flag completes without an edit here). Host and group names for `-l` come
 * at completion time from `fleet __complete hosts [-i FILE]...`, which reads the inventory the
 * command line names (or the default search), so they follow the inventory as it changes.
 */
import type { Command } from 'commander';

/** The shells `fleet completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

/** One of COMPLETION_SHELLS. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** What completes where: each command path (`exec`, `hostkeys scan`) and its flags. */
interface CommandShape {
  path: string;
  subcommands: string[];
  flags: string[];
}

/** Flags whose value is a host pattern: host and group names complete there. */
const PATTERN_FLAGS = ['-l', '--limit'];
/** Flags whose value is a file. */
const FILE_FLAGS = ['-i', '--inventory', '--identity', '--known-hosts', '--ssh-config', '--stdin', '--rerun', '--report'];

function visible(command: Command): Command[] {
  // commander keeps `hidden` private; the hidden helper is recognised by its name.
  return command.commands.filter((c) => !c.name().startsWith('__'));
}

function shapes(program: Command): CommandShape[] {
  const out: CommandShape[] = [];
  const walk = (command: Command, prefix: string): void => {
    for (const sub of visible(command)) {
      const path = prefix === '' ? sub.name() : `${prefix} ${sub.name()}`;
      const flags = sub.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
      // Fixed values of the first argument (`completion bash|zsh|fish`) complete like subcommands.
      const values = sub.registeredArguments[0]?.argChoices ?? [];
      out.push({ path, subcommands: [...visible(sub).map((c) => c.name()), ...values], flags: [...flags, '-h', '--help'] });
      walk(sub, path);
    }
  };
  walk(program, '');
  return out;
}

/** Choices of options with fixed values (`--output json`), from commander's `.choices()`. */
function choices(program: Command): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (command: Command): void => {
    for (const o of command.options) {
      const argChoices = (o as { argChoices?: string[] }).argChoices;
      if (argChoices && o.long) out.set(o.long, argChoices);
    }
    command.commands.forEach(walk);
  };
  walk(program);
  return out;
}

/** The completion script for `shell`. */
export function completionScript(program: Command, shell: CompletionShell): string {
  if (shell === 'fish') return fishScript(program);
  const bash = bashScript(program);
  if (shell === 'bash') return bash;
  // zsh runs the bash function through its bash compatibility layer (bashcompinit), which keeps
  // one implementation and one test for both.
  return `#compdef fleet\n# fleet zsh completion: eval "$(fleet completion zsh)" in ~/.zshrc\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n${bash.replace(/^# fleet bash completion.*\n/, '')}`;
}

const words = (list: readonly string[]): string => list.join(' ');

function bashScript(program: Command): string {
  const all = shapes(program);
  const top = visible(program).map((c) => c.name());
  const cases = all.map((s) => `    '${s.path}') subs='${words(s.subcommands)}'; opts='${words(s.flags)}' ;;`).join('\n');
  const choiceCases = [...choices(program)].map(([flag, values]) => `    ${flag}) COMPREPLY=($(compgen -W '${words(values)}' -- "$cur")); return ;;`).join('\n');
  return `# fleet bash completion: source <(fleet completion bash), or save it in
# /etc/bash_completion.d/fleet (or ~/.local/share/bash-completion/completions/fleet).
_fleet() {
  local cur prev path subs opts i w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev=""
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # The command path (exec, hostkeys scan): words that name a (sub)command, in order.
  path=""
  local inv=()
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      -i|--inventory) inv+=(-i "\${COMP_WORDS[i+1]}"); (( i++ )); continue ;;
      -*) continue ;;
    esac
    _fleet_shape "\${path:+$path }$w" && path="\${path:+$path }$w"
  done
  case "$prev" in
${PATTERN_FLAGS.map((f) => `    ${f}) _fleet_patterns "\${inv[@]}"; return ;;`).join('\n')}
    ${FILE_FLAGS.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
${choiceCases}
  esac
  if [[ -z "$path" ]]; then
    COMPREPLY=($(compgen -W '${words(top)} ${words(['-h', '--help', '-V', '--version'])}' -- "$cur"))
    return
  fi
  _fleet_shape "$path"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

# Sets subs and opts for a command path; fails for a word that is not a command.
_fleet_shape() {
  case "$1" in
${cases}
    *) return 1 ;;
  esac
}

# Host and group names for -l, after the pattern's last separator (a,b  web:&prod  !db1).
_fleet_patterns() {
  local head="" tail="$cur" names
  if [[ "$cur" =~ ^(.*[,:\\&!])([^,:\\&!]*)$ ]]; then
    head="\${BASH_REMATCH[1]}"
    tail="\${BASH_REMATCH[2]}"
  fi
  names="$("\${COMP_WORDS[0]}" __complete hosts "$@" 2>/dev/null)"
  COMPREPLY=($(compgen -P "$head" -W "$names" -- "$tail"))
}

complete -o default -F _fleet fleet
`;
}

function fishScript(program: Command): string {
  const lines = ['# fleet fish completion: fleet completion fish > ~/.config/fish/completions/fleet.fish', 'complete -c fleet -f'];
  const top = visible(program);
  lines.push(`complete -c fleet -n __fish_use_subcommand -a '${words(top.map((c) => c.name()))}'`);
  const choiceMap = choices(program);
  for (const shape of shapes(program)) {
    const parts = shape.path.split(' ');
    const cond = parts.map((p) => `__fish_seen_subcommand_from ${p}`).join('; and ');
    if (shape.subcommands.length > 0) lines.push(`complete -c fleet -n '${cond}' -a '${words(shape.subcommands)}'`);
    for (const flag of shape.flags) {
      const spec = flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
      let extra = '';
      if (PATTERN_FLAGS.includes(flag)) extra = " -x -a '(fleet __complete hosts (__fish_fleet_inventories))'";
      else if (FILE_FLAGS.includes(flag)) extra = ' -r -F';
      else if (choiceMap.has(flag)) extra = ` -x -a '${words(choiceMap.get(flag) ?? [])}'`;
      lines.push(`complete -c fleet -n '${cond}' ${spec}${extra}`);
    }
  }
  lines.push(
    '# The -i files already on the command line, for the host names of -l.',
    'function __fish_fleet_inventories',
    '  set -l tokens (commandline -opc)',
    '  for i in (seq (count $tokens))',
    '    if contains -- $tokens[$i] -i --inventory; and test $i -lt (count $tokens)',
    '      echo -i; echo $tokens[(math $i + 1)]',
    '    end',
    '  end',
    'end',
  );
  return `${lines.join('\n')}\n`;
}
