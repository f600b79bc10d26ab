import type { Command } from 'commander';
import { UsageError } from '../core/errors';
import type { CommandIo } from './cli-io';

/*
 * `ec2-failover completion bash|zsh`: a completion script generated from the program itself, so
 * it never lists a flag that does not exist. zsh runs the bash function through bashcompinit.
 */

interface Words {
  readonly path: string;
  readonly options: readonly string[];
  readonly subcommands: readonly string[];
  /** Options that take a file name. */
  readonly fileOptions: readonly string[];
}

function wordsOf(command: Command, path: string): Words[] {
  const options = command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
  const fileOptions = command.options.filter((o) => /<(file|path|dir)>/i.test(o.flags)).flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
  const own: Words = { path, options: [...options, '--help'], subcommands: command.commands.map((c) => c.name()), fileOptions };
  return [own, ...command.commands.flatMap((c) => wordsOf(c, path === '' ? c.name() : `${path} ${c.name()}`))];
}

async function allWords(): Promise<Words[]> {
  const [{ buildProgram }, { agentProgram }, { localUpProgram }] = await Promise.all([
    import('./main'),
    import('../agent/agent-command'),
    import('../local/local-up-flags'),
  ]);
  const program = buildProgram(() => async () => undefined);
  const words = wordsOf(program, '').filter((w) => w.path !== 'agent' && w.path !== 'local up');
  return [...words, ...wordsOf(agentProgram(), 'agent'), ...wordsOf(localUpProgram(), 'local up')];
}

function bashScript(words: readonly Words[]): string {
  const cases = words
    .filter((w) => w.path !== '')
    .map((w) => `    '${w.path}') opts='${[...w.subcommands, ...w.options].join(' ')}'; files='${w.fileOptions.join(' ')}' ;;`)
    .join('\n');
  const top = words.find((w) => w.path === '')!;
  return `# ec2-failover completion (bash); load with: eval "$(ec2-failover completion bash)"
_ec2_failover() {
  local cur prev path opts files i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  path=''
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) break ;;
      *) path="\${path:+$path }\${COMP_WORDS[i]}" ;;
    esac
  done
  opts='${[...top.subcommands, ...top.options].join(' ')}'; files=''
  case "$path" in
${cases}
  esac
  if [[ " $files " == *" $prev "* ]]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
    return
  fi
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _ec2_failover ec2-failover
`;
}

export async function runCompletion(shell: string, io: CommandIo): Promise<number> {
  if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`completion knows bash and zsh, not "${shell}"`);
  const script = bashScript(await allWords());
  io.stdout.write(shell === 'bash' ? script : `# ec2-failover completion (zsh); load with: eval "$(ec2-failover completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${script}`);
  return 0;
}
