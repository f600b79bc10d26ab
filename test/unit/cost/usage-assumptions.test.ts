import { describe, expect, it } from 'vitest';
import { ReconcilerMetric } from '../../../src/names';
import { DEFAULT_USAGE_ASSUMPTIONS } from '../../../src/cost/usage-assumptions';
import { clusterMetrics, emfSink } from '../../../src/process/emf-metrics';

/* The EMF bytes per tick the estimate assumes are what the loop's metrics code prints for one tick. */

function emfBytes(nodes: number): number {
  let bytes = 0;
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    bytes += Buffer.byteLength(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    const sink = emfSink(clusterMetrics('prod-db'));
    sink.count(ReconcilerMetric.ticks, 1);
    for (let n = 1; n <= nodes; n += 1) sink.seconds(ReconcilerMetric.heartbeatAgeSeconds, 0.4, { name: 'node', value: `node${n}` });
    sink.flush!();
  } finally {
    process.stdout.write = write;
  }
  return bytes;
}

describe('usage assumptions', () => {
  it('match the EMF lines of one tick within 10 %, for 2 and for 6 nodes', () => {
    // Act
    const measured = [2, 6].map((nodes) => ({ nodes, bytes: emfBytes(nodes) }));

    // Assess
    for (const { nodes, bytes } of measured) {
      const assumed = DEFAULT_USAGE_ASSUMPTIONS.emfBytesPerTick + nodes * DEFAULT_USAGE_ASSUMPTIONS.emfBytesPerTickAndNode;
      expect(Math.abs(assumed - bytes) / bytes).toBeLessThan(0.1);
    }
  });
});
