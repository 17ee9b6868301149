/**
 * `peer completion bash|zsh|fish`: a shell completion script for the whole command tree, made
 * from the same commander definitions the CLI runs (so it never lists a command that is gone).
 *   peer completion bash > /etc/bash_completion.d/peer
 *   peer completion zsh > "${fpath[1]}/_peer"
 *   peer completion fish > ~/.config/fish/completions/peer.fish
 */
import type { Command } from 'commander';
import { ValidationError } from '../../sdk/src/errors';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  path: string[];
  subcommands: string[];
  options: string[];
}

/** Every command path with its subcommands and options (globals included at the root). */
export function commandTree(root: Command): Node[] {
  const out: Node[] = [];
  const walk = (cmd: Command, path: string[]): void => {
    const options = cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => typeof f === 'string'));
    const subcommands = cmd.commands.map((c) => c.name());
    out.push({ path, subcommands, options: [...options, '--help'] });
    for (const c of cmd.commands) walk(c, [...path, c.name()]);
  };
  walk(root, []);
  return out;
}

function bash(nodes: Node[], globals: string[]): string {
  const cases = nodes
    .map((n) => `    "${n.path.join(' ')}") words="${[...n.subcommands, ...n.options].join(' ')}" ;;`)
    .join('\n');
  return `# bash completion for peer (peer completion bash)
_peer() {
  local cur path="" w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ -n "$(_peer_known "\${path:+$path }$w")" ]]; then path="\${path:+$path }$w"; fi
  done
  COMPREPLY=($(compgen -W "$(_peer_words "$path") ${globals.join(' ')}" -- "$cur"))
}
_peer_known() {
  case "$1" in
${nodes.map((n) => `    "${n.path.join(' ')}") echo 1 ;;`).join('\n')}
  esac
}
_peer_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
complete -F _peer peer
`;
}

function zsh(nodes: Node[], globals: string[]): string {
  return `#compdef peer
# zsh completion for peer (peer completion zsh)
_peer() {
  local path="" w
  local -a words_for
  for w in \${words[2,CURRENT-1]}; do
    [[ "$w" == -* ]] && continue
    case "\${path:+$path }$w" in
${nodes.filter((n) => n.path.length > 0).map((n) => `      "${n.path.join(' ')}") path="${n.path.join(' ')}" ;;`).join('\n')}
    esac
  done
  case "$path" in
${nodes.map((n) => `    "${n.path.join(' ')}") words_for=(${[...n.subcommands, ...n.options].join(' ')}) ;;`).join('\n')}
  esac
  compadd -- $words_for ${globals.join(' ')}
}
compdef _peer peer
`;
}

function fish(nodes: Node[]): string {
  const lines = ['# fish completion for peer (peer completion fish)', 'complete -c peer -f'];
  for (const n of nodes) {
    const cond = n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const sub of n.subcommands) lines.push(`complete -c peer -n '${cond}' -a ${sub}`);
    for (const opt of n.options) {
      if (opt.startsWith('--')) lines.push(`complete -c peer -n '${cond}' -l ${opt.slice(2)}`);
      else lines.push(`complete -c peer -n '${cond}' -s ${opt.slice(1)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(root: Command, shell: string): string {
  if (!(SHELLS as readonly string[]).includes(shell)) throw new ValidationError(`unknown shell "${shell}": use bash, zsh or fish`);
  const nodes = commandTree(root);
  const globals = nodes[0].options.filter((o) => o.startsWith('--'));
  if (shell === 'bash') return bash(nodes, globals);
  if (shell === 'zsh') return zsh(nodes, globals);
  return fish(nodes);
}

export function addCompletionCommand(program: Command, write: (text: string) => void): void {
  program
    .command('completion')
    .description('print a shell completion script: bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => {
      write(completionScript(program, shell));
    });
}
