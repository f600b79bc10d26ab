import { describe, expect, it } from 'vitest';
import { footprint, runFigures, sampleProcess } from '../../../bench/reconciler-footprint';

describe('reconciler footprint', () => {
  it('turns two samples into CPU a tick and, per Lambda memory size, the CPU share and the time a tick takes', () => {
    // Act
    const figures = footprint({ at: 0, cpuMs: 1_000, peakRssMb: 80 }, { at: 60_000, cpuMs: 1_600, peakRssMb: 96 }, 60);

    // Assess
    expect(figures).toMatchObject({ seconds: 60, ticks: 60, peakRssMb: 96, cpuMsPerTick: 10 });
    expect(figures.lambda.find((l) => l.memoryMb === 256)).toEqual({ memoryMb: 256, cpuShare: 0.145, tickCpuWallMs: 69, peakShare: 0.38 });
    expect(figures.lambda.find((l) => l.memoryMb === 128)).toMatchObject({ tickCpuWallMs: 138, peakShare: 0.75 });
  });

  it('reads a live process from /proc', () => {
    // Act
    const sample = sampleProcess(process.pid);

    // Assess
    expect(sample?.cpuMs).toBeGreaterThan(0);
    expect(sample?.peakRssMb).toBeGreaterThan(10);
  });

  it('sums up the runs the controller logged: how many stopped steady, how long they took, their ticks', () => {
    // Act
    const figures = runFigures([
      { seconds: 0.4, ticks: 1, stoppedBecause: 'steady' },
      { seconds: 1.2, ticks: 2, stoppedBecause: 'steady' },
      { seconds: 0.5, ticks: 1, stoppedBecause: 'steady' },
      { seconds: 9.0, ticks: 9, stoppedBecause: 'deadline' },
    ]);

    // Assess
    expect(figures).toEqual({ runs: 4, steady: 3, secondsP50: 0.5, secondsMax: 9, ticksMean: 3.25 });
  });
});
