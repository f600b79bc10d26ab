import type { BenchResults } from './bench-results';
import type { Distribution } from './stats';

/*
 * The printed summary: each figure beside the target DESIGN.md sets for it, and whether it is met.
 */

const verdict = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : 'NOT met');

function failoverRow(name: string, d: Distribution | undefined, target: string, met: (d: Distribution) => boolean): string | undefined {
  if (!d) return undefined;
  return `| ${name} | ${d.trials} | ${d.p50_s} | ${d.p95_s} | ${d.p99_s} | ${d.max_s} | ${target} | ${verdict(met(d))} |`;
}

export function resultsTable(r: BenchResults): string {
  const f = r.failover;
  const lines: (string | undefined)[] = [
    '| failover, fault → every route and the EIP on the standby (s) | trials | p50 | p95 | p99 | max | target | |',
    '|---|---|---|---|---|---|---|---|',
    failoverRow('agent killed (SIGKILL), defaults', f.heartbeat, 'p50 ≤ 3.5, p99 ≤ 4.5', (d) => d.p50_s <= 3.5 && d.p99_s <= 4.5),
    failoverRow('instance stopped (state-change event)', f.instanceStop, 'p99 ≤ 1.5', (d) => d.p99_s <= 1.5),
    failoverRow('graceful leave (SIGTERM)', f.gracefulLeave, 'p99 ≤ 1.5', (d) => d.p99_s <= 1.5),
    failoverRow('agent killed, fast profile (0.25 s × 3)', f.fastProfile, 'p50 ≤ 1.2', (d) => d.p50_s <= 1.2),
  ];
  if (r.switchover20) {
    const s = r.switchover20;
    lines.push('', '| planned switchover, 20 route tables (s) | trials | p50 | max | target | |', '|---|---|---|---|---|---|');
    lines.push(`| CLI command → last route moved | ${s.trials} | ${s.p50_s} | ${s.max_s} | p50 ≤ 1.9 | ${verdict(s.p50_s <= 1.9)} |`);
  }
  if (r.observe.length > 0) {
    const one = r.observe.find((o) => o.resources === 1)?.ec2Calls;
    lines.push('', '| observe, one tick: resources | VPCs | route tables | EC2 calls | wall ms |', '|---|---|---|---|---|');
    for (const o of r.observe) lines.push(`| ${o.resources} | ${o.vpcs} | ${o.routeTables} | ${o.ec2Calls} | ${o.wallMs} |`);
    const forty = r.observe.find((o) => o.resources === 40)?.ec2Calls;
    lines.push(`target: calls for 40 resources equal those for 1 (${forty} vs ${one}): ${verdict(forty === undefined || one === undefined ? undefined : forty === one)}`);
  }
  if (r.repoint.length > 0) {
    lines.push('', '| repoint, throttling model on: route tables | seconds | lower bound s | |', '|---|---|---|---|');
    for (const p of r.repoint) lines.push(`| ${p.routeTables} | ${p.seconds} | ${p.lowerBoundSeconds} | ${p.routeTables === 500 ? `target within 10 %: ${verdict(p.seconds <= p.lowerBoundSeconds * 1.1)}` : ''} |`);
  }
  for (const [label, f] of [
    ['steady', r.reconcilerFootprint?.steady],
    ['under failovers', r.reconcilerFootprint?.underFailovers],
  ] as const) {
    if (!f) continue;
    lines.push('', `| reconcile loop, ${label}: ${f.ticks} ticks in ${f.seconds} s | peak RSS ${f.peakRssMb} MB | CPU ${f.cpuMsPerTick} ms a tick |`, '|---|---|---|');
    for (const l of f.lambda) lines.push(`| at ${l.memoryMb} MB (${l.cpuShare} vCPU) | peak ${Math.round(l.peakShare * 100)} % of memory | a tick's CPU takes ~${l.tickCpuWallMs} ms |`);
  }
  if (r.steadyRuns) {
    const s = r.steadyRuns;
    lines.push('', `| steady on-demand runs | stopped steady | seconds p50 | seconds max | ticks a run |`, '|---|---|---|---|---|', `| ${s.runs} | ${s.steady} | ${s.secondsP50} | ${s.secondsMax} | ${s.ticksMean} |`);
  }
  if (r.bundles.length > 0) {
    lines.push('', '| Lambda bundle | bytes | cold import ms |', '|---|---|---|');
    for (const b of r.bundles) lines.push(`| ${b.name} | ${b.bytes} | ${b.coldImportMs} |`);
  }
  return lines.filter((line): line is string => line !== undefined).join('\n');
}
