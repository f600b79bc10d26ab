import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';

function buffers() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }, out, err };
}

describe('npm run demo:sim (the in-memory demo)', () => {
  it('shows failover, intelligent and automatic switchback and an operator switchover, and exits 0', async () => {
    // Prepare
    const { io, out } = buffers();

    // Act
    const code = await main(['demo'], io);

    // Assess
    const text = out.join('');
    expect(code).toBe(0);
    expect(text).toMatch(/db\s+epoch 2\s+transition failover: node1 → node2/);
    expect(text).toMatch(/web-eip\s+epoch 3\s+transition switchback: node2 → node1/);
    expect(text).toMatch(/db\s+epoch 3\s+transition switchover: node2 → node1: requested by operator/);
    expect(text).toMatch(/repair\s+drift: rtb-0abc1234a 10\.1\.0\.10\/32 → eni-01234567/);
    expect(text).toContain('10.1.0.20/32 → eni-0ccc3333 (not ours)');
    expect(text).not.toMatch(/10\.1\.0\.20\/32 → eni-(?!0ccc3333)/);
  });
});

describe('the CLI', () => {
  it('refuses an unknown command with a coded error and exit code 2', async () => {
    // Prepare
    const { io, err } = buffers();

    // Act
    const code = await main(['frobnicate'], io);

    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/^EC2F-U001 unknown command 'frobnicate'/);
  });

  it('validates the example config and refuses a bad one with its code', async () => {
    // Prepare
    const good = buffers();
    const bad = buffers();

    // Act
    const ok = await main(['validate', '--config', 'examples/cluster.yaml'], good.io);
    const refused = await main(['validate', '--config', 'examples/does-not-exist.yaml'], bad.io);

    // Assess
    expect(ok).toBe(0);
    expect(good.out.join('')).toContain('group db (intelligent switchback, fencing none): node1 > node2');
    expect(refused).toBe(2);
    expect(bad.err.join('')).toMatch(/EC2F-U001 cannot read/);
  });
});
