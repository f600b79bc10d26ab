import { join } from 'node:path';
import { startCampaign } from './campaign';
import { summaryLines, violationCount, writeResult } from './report';
import { FAULT_KINDS } from './scenario';

/*
 * `npm run chaos -- [--scenarios N] [--seed S] [--scenario NAME] [--out FILE]`: a seeded fault
 * campaign against the local world with real processes. NAME is a scenario id printed by an
 * earlier run (`<seed>-<index>`, replays it) or a fault kind (every scenario draws only it).
 * Exits 1 on any violation, 2 on bad flags, 130 on Ctrl-C.
 */

function parse(argv: readonly string[]): { scenarios: number; seed: number; scenario?: string; out: string } {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--(scenarios|seed|scenario|out)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    flags[match[1]!] = value;
  }
  const scenarios = Number(flags.scenarios ?? 10);
  const seed = flags.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(flags.seed);
  if (!Number.isInteger(scenarios) || scenarios < 1) throw new Error('--scenarios must be a positive integer');
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
  const scenario = flags.scenario;
  if (scenario !== undefined && !/^\d+-\d+$/.test(scenario) && !(FAULT_KINDS as readonly string[]).includes(scenario)) {
    throw new Error(`--scenario takes a scenario id (<seed>-<index>) or one of: ${FAULT_KINDS.join(', ')}`);
  }
  return { scenarios, seed, scenario, out: flags.out ?? join(__dirname, '..', 'bench', 'results', 'chaos.json') };
}

async function main(): Promise<number> {
  let flags: ReturnType<typeof parse>;
  try {
    flags = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`chaos: ${(error as Error).message}\nusage: npm run chaos -- [--scenarios N] [--seed S] [--scenario <seed>-<index>|<fault kind>] [--out FILE]`);
    return 2;
  }
  const seed = flags.scenario && /^\d+-\d+$/.test(flags.scenario) ? Number(flags.scenario.split('-')[0]) : flags.seed;
  const campaign = startCampaign({ ...flags, seed });
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error('chaos: interrupted; stopping every process');
    campaign.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const result = await campaign.done;
  for (const line of summaryLines(result)) console.log(line);
  writeResult(flags.out, result);
  console.log(`written ${flags.out}`);
  if (interrupted) return 130;
  return violationCount(result) > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
