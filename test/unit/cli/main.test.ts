import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { version } from '../../../package.json';
import { buildProgram, main } from '../../../src/cli/main';

/*
 * The program's argument handling, no network: every bad command line is refused with
 * EC2F-U001 and exit 2 before any client is created.
 */

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } });
  return { code, out: out.join(''), err: err.join('') };
}

function commandPaths(command: Command, path: string[] = []): string[][] {
  return command.commands.flatMap((c) => [[...path, c.name()], ...commandPaths(c, [...path, c.name()])]);
}

const EXAMPLE = 'examples/cluster.yaml';

describe('ec2-failover --help', () => {
  const paths = commandPaths(buildProgram(() => async () => undefined)).filter((p) => p[0] !== 'help');

  it.each(paths.map((p) => [p.join(' ')]))('works on "%s"', async (path) => {
    // Act
    const result = await run([...path.split(' '), '--help']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toMatch(new RegExp(`^usage: ec2-failover ${path}`, 'i'));
  });

  it('lists every command at the top, and `help COMMAND` shows the command\'s help', async () => {
    // Act
    const top = await run(['--help']);
    const viaHelp = await run(['help', 'switchover']);

    // Assess
    expect(top.code).toBe(0);
    for (const command of ['demo', 'validate', 'schema', 'apply', 'plan', 'export', 'controller', 'status', 'history', 'switchover', 'maintenance', 'agent', 'local', 'completion']) {
      expect(top.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(viaHelp.out).toContain('--clear-exclusion');
  });

  it('prints the version with --version and -V', async () => {
    // Act
    const long = await run(['--version']);
    const short = await run(['-V']);

    // Assess
    expect([long.code, long.out, short.out]).toEqual([0, `${version}\n`, `${version}\n`]);
  });
});

describe('ec2-failover arguments', () => {
  it.each([
    ['no command at all', [], /Usage: ec2-failover/],
    ['an unknown command', ['frobnicate'], /^EC2F-U001 unknown command 'frobnicate'/],
    ['an unknown flag', ['status', '--config', EXAMPLE, '--bogus'], /^EC2F-U001 unknown option '--bogus'/],
    ['a flag of demo', ['demo', '--bogus'], /^EC2F-U001 unknown option '--bogus'/],
    ['a flag of schema', ['schema', '--bogus'], /^EC2F-U001 unknown option '--bogus'/],
    ['a stray argument', ['history', '--config', EXAMPLE, 'db'], /^EC2F-U001 too many arguments for 'history'/],
    ['a repeated --to', ['switchover', '--config', EXAMPLE, '--group', 'db', '--to', 'node1', '--to', 'node2'], /^EC2F-U001 --to "node2": given more than once/],
    ['a repeated --config', ['status', '--config', EXAMPLE, '--config', EXAMPLE], /^EC2F-U001 --config "examples\/cluster.yaml": given more than once/],
    ['a negative --limit', ['history', '--config', EXAMPLE, '--limit', '-5'], /^EC2F-U001 --limit "-5": must be a whole number from 1 to 1000/],
    ['a --limit that is not a number', ['history', '--config', EXAMPLE, '--limit', 'many'], /^EC2F-U001 --limit "many": must be a whole number/],
    ['a missing --config', ['status'], /^EC2F-U001 required option '-c, --config <file>' not specified/],
    ['a missing --to', ['switchover', '--config', EXAMPLE, '--group', 'db'], /^EC2F-U001 required option '--to <node>' not specified/],
    ['a value-less --group', ['switchover', '--config', EXAMPLE, '--to', 'node1', '--group'], /^EC2F-U001 option '--group <group>' argument missing/],
    ['both --on and --off', ['maintenance', '--config', EXAMPLE, '--group', 'db', '--on', '--off'], /^EC2F-U001 option '--on' cannot be used with option '--off'/],
    ['neither --on nor --off', ['maintenance', '--config', EXAMPLE, '--group', 'db'], /^EC2F-U001 maintenance needs --group GROUP and exactly one of --on or --off/],
    ['an unknown group', ['switchover', '--config', EXAMPLE, '--group', 'nope', '--to', 'node1'], /^EC2F-U001 unknown group "nope"; groups: db, web-eip/],
    ['an unknown node', ['switchover', '--config', EXAMPLE, '--group', 'db', '--to', 'node9'], /^EC2F-U001 unknown node "node9"; nodes: node1, node2/],
    ['a bad --region', ['history', '--config', EXAMPLE, '--region', 'mars-1'], /^EC2F-U001 --region "mars-1" is not an AWS region/],
    ['a bad --profile', ['status', '--config', EXAMPLE, '--profile', 'a b'], /^EC2F-U001 --profile "a b": "a b" is not a profile name/],
    ['a bad --interval', ['status', '--config', EXAMPLE, '--watch', '--interval', '0'], /^EC2F-U001 --interval "0": must be a number of seconds above 0/],
    ['a bad --timeout', ['switchover', '--config', EXAMPLE, '--group', 'db', '--to', 'node1', '--timeout', 'soon'], /^EC2F-U001 --timeout "soon"/],
    ['an unreadable config', ['history', '--config', 'examples/absent.yaml'], /^EC2F-U001 cannot read examples\/absent.yaml/],
    ['an unknown shell', ['completion', 'fish'], /^EC2F-U001 completion knows bash and zsh, not "fish"/],
    ['a flag of the agent', ['agent', '--config', 'a.yaml', '--bogus'], /^EC2F-U001 agent: unknown option '--bogus'/],
    ['a repeated flag of the agent', ['agent', '--config', 'a.yaml', '--config', 'b.yaml'], /^EC2F-U001 --config given more than once/],
    ['a stray argument to the agent', ['agent', '--config', 'a.yaml', 'now'], /^EC2F-U001 agent: too many arguments/],
  ])('refuses %s with exit 2', async (_label, argv, message) => {
    // Act
    const result = await run(argv as string[]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
  });

  it('refuses bad flags of local up with its own code, EC2F-L007', async () => {
    // Act
    const repeated = await run(['local', 'up', '--seed', 'demo', '--seed', 'demo']);
    const unknown = await run(['local', 'up', '--colour']);

    // Assess
    expect([repeated.code, unknown.code]).toEqual([2, 2]);
    expect(repeated.err).toMatch(/^EC2F-L007 --seed given twice/);
    expect(unknown.err).toMatch(/^EC2F-L007 unknown argument "--colour"/);
  });
});

describe('ec2-failover completion', () => {
  it.each([['bash'], ['zsh']])('prints a %s script that knows every command and flag', async (shell) => {
    // Act
    const { code, out } = await run(['completion', shell]);

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('complete -F _ec2_failover ec2-failover');
    expect(out).toMatch(/'switchover'\) opts='[^']*--clear-exclusion/);
    expect(out).toMatch(/'agent'\) opts='[^']*--instance-id/);
    expect(out).toMatch(/'local up'\) opts='[^']*--seed/);
    if (shell === 'zsh') expect(out).toContain('bashcompinit');
  });
});
