import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * `npm start -- --fast` end to end: the real product in the local world, the scripted story,
 * the table of measured times; it exits 0 and leaves no process behind, and stops everything
 * on SIGINT too. Every process the run starts inherits a marker in its environment, which is
 * how what is left is found (in /proc).
 */

const ROOT = join(__dirname, '..', '..', '..');
const STEPS = [
  "node1's agent killed (SIGKILL)",
  "node1's agent back (intelligent switchback)",
  'planned switchover to node1 (CLI, --wait)',
  "node1's instance stopped (EC2 API, state-change event)",
  'moved to node1 by hand',
];

function processesMarked(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

async function leftAfter(marker: string): Promise<number[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (processesMarked(marker).length === 0) return [];
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return processesMarked(marker);
}

function startRun(marker: string, onLine?: (line: string, signal: (s: NodeJS.Signals) => void) => void) {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'src', 'local', 'start', 'main.ts'), '--fast'], {
    cwd: ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', EC2F_START_TEST_MARK: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    for (const line of text.split('\n')) onLine?.(line, (s) => child.kill(s));
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { exited, output: () => output, kill: () => child.kill('SIGKILL') };
}

describe('npm start', () => {
  it('tells the story with every step timed from EC2, exits 0 and leaves no process', async () => {
    // Prepare
    const marker = `ec2f-start-${randomBytes(6).toString('hex')}`;

    // Act
    const run = startRun(marker);
    const code = await run.exited;
    const left = await leftAfter(marker);

    // Assess
    expect(code, run.output()).toBe(0);
    for (const step of STEPS) expect(run.output(), step).toMatch(new RegExp(`${step.replace(/[()]/g, '\\$&')}.*\\s+\\d+\\.\\d\\d s\\s`));
    expect(left, run.output()).toEqual([]);
  }, 150_000);

  it('stops everything it started on SIGINT', async () => {
    // Prepare
    const marker = `ec2f-start-${randomBytes(6).toString('hex')}`;
    let sent = false;

    // Act
    const run = startRun(marker, (line, signal) => {
      if (!sent && line.includes('starting ec2-failover controller')) {
        sent = true;
        setTimeout(() => signal('SIGINT'), 1000);
      }
    });
    const code = await run.exited;
    const left = await leftAfter(marker);

    // Assess
    expect(sent, run.output()).toBe(true);
    expect(code, run.output()).not.toBe(0);
    expect(left, run.output()).toEqual([]);
  }, 120_000);
});
