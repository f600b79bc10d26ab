import { describe, expect, it } from 'vitest';
import { ReconcilerMetric } from '../../../src/names';
import { DEFAULT_USAGE_ASSUMPTIONS } from '../../../src/cost/usage-assumptions';
import { clusterMetrics, emfSink } from '../../../src/process/emf-metrics';

/* The EMF bytes the estimate assumes per silent node and tick are what the loop's metrics code prints; a steady tick prints none. */

function emfBytes(nodes: number): number {
  let bytes = 0;
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    bytes += Buffer.byteLength(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    const sink = emfSink(clusterMetrics('prod-db'));
    for (let n = 1; n <= nodes; n += 1) sink.seconds(ReconcilerMetric.heartbeatAgeSeconds, 0.4, { name: 'node', value: `node${n}` });
    sink.flush!();
  } finally {
    process.stdout.write = write;
  }
  return bytes;
}

describe('usage assumptions', () => {
  it('match the EMF lines of one tick within 10 %, for 2 and for 6 silent nodes, and none for a steady tick', () => {
    // Act
    const measured = [2, 6].map((nodes) => ({ nodes, bytes: emfBytes(nodes) }));
    const steady = emfBytes(0);

    // Assess
    for (const { nodes, bytes } of measured) {
      const assumed = nodes * DEFAULT_USAGE_ASSUMPTIONS.emfBytesPerTickAndNode;
      expect(Math.abs(assumed - bytes) / bytes).toBeLessThan(0.1);
    }
    expect(steady).toBe(0);
  });
});
