import { describe, expect, it } from 'vitest';
import { footprint, sampleProcess, ticksBetween } from '../../../bench/reconciler-footprint';

describe('reconciler footprint', () => {
  it('turns two samples into CPU a tick and, per Lambda memory size, the CPU share and the time a tick takes', () => {
    // Act
    const figures = footprint({ at: 0, cpuMs: 1_000, peakRssMb: 80 }, { at: 60_000, cpuMs: 1_600, peakRssMb: 96 }, 60);

    // Assess
    expect(figures).toMatchObject({ seconds: 60, ticks: 60, peakRssMb: 96, cpuMsPerTick: 10 });
    expect(figures.lambda.find((l) => l.memoryMb === 256)).toEqual({ memoryMb: 256, cpuShare: 0.145, tickCpuWallMs: 69, peakShare: 0.38 });
    expect(figures.lambda.find((l) => l.memoryMb === 128)).toMatchObject({ tickCpuWallMs: 138, peakShare: 0.75 });
  });

  it('reads a live process from /proc, and counts ticks by the check interval', () => {
    // Act
    const sample = sampleProcess(process.pid);

    // Assess
    expect(sample?.cpuMs).toBeGreaterThan(0);
    expect(sample?.peakRssMb).toBeGreaterThan(10);
    expect(ticksBetween({ at: 0, cpuMs: 0, peakRssMb: 0 }, { at: 30_400, cpuMs: 0, peakRssMb: 0 }, 1)).toBe(30);
  });
});
