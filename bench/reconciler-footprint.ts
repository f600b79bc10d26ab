import { readFileSync } from 'node:fs';

/*
 * What the reconcile loop costs in memory and CPU, read from /proc for the local world's
 * `ec2-failover controller` (the loop the reconciler Lambda runs, with the same adapters): its
 * resident memory at its peak (VmHWM) and its CPU time (user + sys) per tick. Lambda gives a
 * function CPU in proportion to its memory (one vCPU at 1,769 MB), so a tick's CPU time at a
 * memory size is this machine's CPU time divided by that share; that, and the peak against the
 * memory size, is what sizes the reconciler.
 */

const CLOCK_TICKS_PER_SECOND = 100;
const LAMBDA_MB_PER_VCPU = 1_769;
const SIZES_MB = [128, 192, 256, 512] as const;

export interface ProcessSample {
  readonly at: number;
  readonly cpuMs: number;
  readonly peakRssMb: number;
}

export interface FootprintFigures {
  readonly seconds: number;
  readonly ticks: number;
  readonly peakRssMb: number;
  readonly cpuMsPerTick: number;
  readonly lambda: readonly { readonly memoryMb: number; readonly cpuShare: number; readonly tickCpuWallMs: number; readonly peakShare: number }[];
}

/** CPU time so far and the peak resident set of process `pid`; undefined where /proc cannot tell. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { at: Date.now(), cpuMs, peakRssMb: hwm ? Number(hwm[1]) / 1024 : NaN };
  } catch {
    return undefined;
  }
}

/** The figures between two samples of one controller that ticked `ticks` times meanwhile. */
export function footprint(first: ProcessSample, last: ProcessSample, ticks: number): FootprintFigures {
  const cpuMsPerTick = (last.cpuMs - first.cpuMs) / Math.max(1, ticks);
  return {
    seconds: Math.round((last.at - first.at) / 100) / 10,
    ticks,
    peakRssMb: Math.round(last.peakRssMb * 10) / 10,
    cpuMsPerTick: Math.round(cpuMsPerTick * 100) / 100,
    lambda: SIZES_MB.map((memoryMb) => {
      const cpuShare = memoryMb / LAMBDA_MB_PER_VCPU;
      return {
        memoryMb,
        cpuShare: Math.round(cpuShare * 1000) / 1000,
        tickCpuWallMs: Math.round(cpuMsPerTick / cpuShare),
        peakShare: Math.round((last.peakRssMb / memoryMb) * 100) / 100,
      };
    }),
  };
}

/** How long steady on-demand runs took and how many ticks they made: what a scheduled run costs. */
export interface RunFigures {
  readonly runs: number;
  readonly steady: number;
  readonly secondsP50: number;
  readonly secondsMax: number;
  readonly ticksMean: number;
}

export function runFigures(runs: readonly { readonly seconds: number; readonly ticks: number; readonly stoppedBecause: string }[]): RunFigures {
  const seconds = runs.map((run) => run.seconds).sort((a, b) => a - b);
  return {
    runs: runs.length,
    steady: runs.filter((run) => run.stoppedBecause === 'steady').length,
    secondsP50: seconds[Math.max(0, Math.ceil(seconds.length / 2) - 1)] ?? NaN,
    secondsMax: seconds.at(-1) ?? NaN,
    ticksMean: Math.round((runs.reduce((n, run) => n + run.ticks, 0) / Math.max(1, runs.length)) * 100) / 100,
  };
}
