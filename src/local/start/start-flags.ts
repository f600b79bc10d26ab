/*
 * `npm start -- [--fast] [--keep] [--help]`.
 */

export interface StartFlags {
  readonly fast: boolean;
  readonly keep: boolean;
  readonly help: boolean;
}

export const START_USAGE = `Usage: npm start -- [--fast] [--keep]

Runs ec2-failover on this machine against the local AWS world (moto behind the fault proxy,
DynamoDB Local): the controller and one agent per node, then a scripted story of failures,
each timed from EC2.

  --fast   heartbeat 0.25 s × 3 missed, tick 0.25 s, drift check 1 s (default: the product's
           defaults, heartbeat 1 s × 3, tick 1 s, drift check 10 s)
  --keep   leave everything running after the story and print how to explore it; Ctrl-C stops it
`;

export function parseStartFlags(argv: readonly string[]): StartFlags {
  const known = new Set(['--fast', '--keep', '--help', '-h']);
  const unknown = argv.filter((arg) => !known.has(arg));
  if (unknown.length > 0) throw new TypeError(`unknown option ${unknown.join(' ')}\n\n${START_USAGE}`);
  return { fast: argv.includes('--fast'), keep: argv.includes('--keep'), help: argv.includes('--help') || argv.includes('-h') };
}
