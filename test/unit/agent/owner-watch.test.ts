import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentAgentLogger } from '../../../src/agent/agent-logger';
import { OwnerWatch, ownersToWatch, type WatchedOwner } from '../../../src/agent/owner-watch';
import { ReconcilerWaker } from '../../../src/aws/lambda/reconciler-wake';
import { parseClusterConfig } from '../../../src/core/config';
import { initialStatus, type GroupStatus } from '../../../src/core/model';

/*
 * The owner watch on a fake clock: the owner's sequence as a function of time, a look every quarter
 * interval, and the wakes that reach Lambda (a real waker over a mocked client).
 */

const lambda = mockClient(LambdaClient);

const spec = parseClusterConfig({
  cluster: 'c',
  region: 'us-east-1',
  defaults: { heartbeat: { intervalSeconds: 1, missedBeats: 3 } },
  nodes: [
    { id: 'node1', instanceId: 'i-0000000000000001' },
    { id: 'node2', instanceId: 'i-0000000000000002' },
    { id: 'node3', instanceId: 'i-0000000000000003' },
  ],
  resources: [
    { id: 'db-vip', group: 'db', mode: 'route', vpcId: 'vpc-00000001', destination: '10.1.0.10/32', members: [
      { node: 'node1', eni: 'eni-00000001', priority: 1 },
      { node: 'node2', eni: 'eni-00000002', priority: 2 },
    ] },
  ],
});
const INTERVAL_MS = 1_000;
const WINDOW_MS = 3 * INTERVAL_MS;
const owned = (owner: string | null): ReadonlyMap<string, GroupStatus> => new Map([['db', { ...initialStatus('db'), owner, epoch: 1 }]]);

/** The owner beats every interval until `stallAt`, then stays silent (or, with `malformedAfter`, its item stops validating). */
class OwnerBeats {
  reads = 0;
  constructor(
    private readonly now: { ms: number },
    private readonly stallAt = Number.POSITIVE_INFINITY,
    private readonly malformedAfter = false,
  ) {}

  async read(): Promise<number | undefined> {
    this.reads += 1;
    if (this.malformedAfter && this.now.ms > this.stallAt) return undefined;
    return Math.floor(Math.min(this.now.ms, this.stallAt) / INTERVAL_MS) + 1;
  }
}

function world(options: { owner?: string; me?: string; stallAt?: number; malformedAfter?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const now = { ms: 0 };
  const wokenAt: number[] = [];
  lambda.on(InvokeCommand).callsFake(() => {
    wokenAt.push(now.ms);
    return { StatusCode: 202 };
  });
  const beats = new OwnerBeats(now, options.stallAt, options.malformedAfter);
  const waker = new ReconcilerWaker({ cluster: 'c', region: 'us-east-1', from: 'node2', log: silentAgentLogger, clock: () => now.ms, env: options.env ?? {} });
  const watch = new OwnerWatch({
    owners: () => ownersToWatch(spec, owned(options.owner ?? 'node1'), options.me ?? 'node2'),
    readSequence: () => beats.read(),
    timing: () => ({ intervalMs: INTERVAL_MS, missedBeats: 3 }),
    wake: waker,
    readTimeoutMs: 500,
    log: silentAgentLogger,
    clock: () => now.ms,
  });
  /** A look every quarter interval up to `untilMs`. */
  const lookUntil = async (untilMs: number) => {
    for (; now.ms <= untilMs; now.ms += INTERVAL_MS / 4) {
      await watch.poll();
      await waker.settled();
    }
  };
  return { now, wokenAt, beats, lookUntil, watch };
}

beforeEach(() => {
  lambda.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ownersToWatch', () => {
  it('names the owner of each group this node stands by in, and none it owns or is no member of', () => {
    // Act, Assess
    expect(ownersToWatch(spec, owned('node1'), 'node2')).toEqual<WatchedOwner[]>([{ node: 'node1', instanceId: 'i-0000000000000001' }]);
    expect(ownersToWatch(spec, owned('node1'), 'node1')).toEqual([]);
    expect(ownersToWatch(spec, owned('node1'), 'node3')).toEqual([]);
    expect(ownersToWatch(spec, owned(null), 'node2')).toEqual([]);
    expect(ownersToWatch(spec, owned('node1'), undefined)).toEqual([]);
  });
});

describe('OwnerWatch', () => {
  it('wakes once 1.5 to 2 intervals after the owner stalls, then again only after the missed-beat window', async () => {
    // Prepare
    const stallAt = 3_000;
    const { wokenAt, lookUntil } = world({ stallAt });

    // Act
    await lookUntil(10_000);

    // Assess
    expect(wokenAt.length).toBeGreaterThanOrEqual(2);
    const [first, second] = wokenAt as [number, number];
    expect(first - stallAt).toBeGreaterThan(1.5 * INTERVAL_MS);
    expect(first - stallAt).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(second - first).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(wokenAt.filter((at) => at < first + WINDOW_MS)).toEqual([first]);
  });

  it('never wakes while the owner advances', async () => {
    // Prepare
    const { wokenAt, beats, lookUntil } = world();

    // Act
    await lookUntil(20_000);

    // Assess
    expect(beats.reads).toBe(81);
    expect(wokenAt).toEqual([]);
  });

  it('counts a malformed owner item as no advance', async () => {
    // Prepare
    const stallAt = 3_000;
    const { wokenAt, lookUntil } = world({ stallAt, malformedAfter: true });

    // Act
    await lookUntil(6_000);

    // Assess
    expect(wokenAt).toHaveLength(1);
    expect(wokenAt[0]! - stallAt).toBeLessThanOrEqual(2 * INTERVAL_MS);
  });

  it('watches nothing where this node is the owner', async () => {
    // Prepare
    const { wokenAt, beats, lookUntil } = world({ owner: 'node2', stallAt: 0 });

    // Act
    await lookUntil(10_000);

    // Assess
    expect(beats.reads).toBe(0);
    expect(wokenAt).toEqual([]);
  });

  it('sends nothing through a waker that is off', async () => {
    // Prepare
    const { wokenAt, lookUntil } = world({ stallAt: 0, env: { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' } });

    // Act
    await lookUntil(10_000);

    // Assess
    expect(wokenAt).toEqual([]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('looks every quarter interval while it runs', async () => {
    // Prepare
    vi.useFakeTimers();
    const { beats, watch } = world();
    const stop = new AbortController();

    // Act
    const running = watch.run(stop.signal);
    await vi.advanceTimersByTimeAsync(2_250);
    stop.abort();
    await running;

    // Assess
    expect(beats.reads).toBe(10);
  });
});
