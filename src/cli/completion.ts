import { flagsOf, type Family } from "./command.ts";

/**
 * `hookline completion bash|zsh`: a script completing commands, subcommands and flags, generated
 * from the same command table as --help so the two cannot disagree.
 */
function words(families: Family[], extraCommands: string[]) {
  const commands = [...extraCommands, ...families.map((f) => f.name)];
  const subs = families
    .filter((f) => f.subcommands)
    .map((f) => ({ name: f.name, subs: f.subcommands!.map((s) => s.name) }));
  const flags: { key: string; flags: string[] }[] = [];
  for (const f of families) {
    if (f.single) flags.push({ key: f.name, flags: flagsOf(f.single).map((s) => `--${s.name}`) });
    for (const s of f.subcommands ?? [])
      flags.push({ key: `${f.name} ${s.name}`, flags: flagsOf(s).map((x) => `--${x.name}`) });
  }
  return { commands, subs, flags };
}

export function bashCompletion(families: Family[], extraCommands: string[]): string {
  const w = words(families, extraCommands);
  const subCases = w.subs.map((s) => `    ${s.name}) echo "${s.subs.join(" ")}" ;;`).join("\n");
  const flagCases = w.flags.map((f) => `    "${f.key}") echo "${f.flags.join(" ")}" ;;`).join("\n");
  return `# hookline completion for bash: add to ~/.bashrc
#   source <(hookline completion bash)
_hookline_subcommands() {
  case "$1" in
${subCases}
  esac
}
_hookline_flags() {
  case "$1" in
${flagCases}
  esac
}
_hookline() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${w.commands.join(" ")}" -- "$cur") )
    return
  fi
  local command=\${COMP_WORDS[1]} subs
  subs=$(_hookline_subcommands "$command")
  if [ "$COMP_CWORD" -eq 2 ] && [ -n "$subs" ] && [[ "$cur" != -* ]]; then
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
    return
  fi
  local key=$command
  [ -n "$subs" ] && key="$command \${COMP_WORDS[2]}"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$(_hookline_flags "$key")" -- "$cur") )
    return
  fi
  COMPREPLY=( $(compgen -f -- "$cur") )
}
complete -F _hookline hookline
`;
}

export function zshCompletion(families: Family[], extraCommands: string[]): string {
  const w = words(families, extraCommands);
  const subCases = w.subs.map((s) => `    ${s.name}) subs=(${s.subs.join(" ")}) ;;`).join("\n");
  const flagCases = w.flags.map((f) => `    "${f.key}") flags=(${f.flags.join(" ")}) ;;`).join("\n");
  return `#compdef hookline
# hookline completion for zsh: save as _hookline in a directory of $fpath, or add to ~/.zshrc
#   source <(hookline completion zsh)
_hookline() {
  local -a commands subs flags
  commands=(${w.commands.join(" ")})
  if (( CURRENT == 2 )); then
    compadd -- $commands
    return
  fi
  case "$words[2]" in
${subCases}
  esac
  if (( CURRENT == 3 )) && (( $#subs )) && [[ "$PREFIX" != -* ]]; then
    compadd -- $subs
    return
  fi
  local key=$words[2]
  (( $#subs )) && key="$words[2] $words[3]"
  case "$key" in
${flagCases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    compadd -- $flags
  else
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _hookline "$@"
else
  compdef _hookline hookline
fi
`;
}
