import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventsFrom, tailEvents } from '../../../src/process/event-file';
import { seedDemo, type DemoIds } from '../../../src/local/seed-demo';
import type { InstanceStateChangeEvent } from '../../../src/local/state-change-events';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

function statesOf(events: readonly InstanceStateChangeEvent[]): Array<[string, string]> {
  return events.map((event) => [event.detail['instance-id'], event.detail.state]);
}

async function instanceState(ec2: EC2Client, instanceId: string): Promise<string | undefined> {
  const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

describe('fault proxy: EC2 instance state-change events', () => {
  let test: Ec2TestWorld;
  let ec2: EC2Client;
  let ids: DemoIds;
  let offset = 0;

  /** Events written since the previous call. */
  async function newEvents(): Promise<InstanceStateChangeEvent[]> {
    const batch = await readEventsFrom<InstanceStateChangeEvent>(test.world.eventSinkPath, offset);
    offset = batch.nextOffset;
    return batch.events;
  }

  beforeAll(async () => {
    test = await startEc2TestWorld();
    ec2 = test.ec2();
    ids = (await seedDemo(ec2, { region: test.world.region })).ids;
  });

  afterAll(async () => {
    await test?.stop();
  });

  it('writes stopping then stopped for a StopInstances that passes through', async () => {
    // Act
    await ec2.send(new StopInstancesCommand({ InstanceIds: [ids.node1.instanceId] }));

    // Assess
    const events = await newEvents();
    expect(statesOf(events)).toEqual([
      [ids.node1.instanceId, 'stopping'],
      [ids.node1.instanceId, 'stopped'],
    ]);
    expect(events[0]).toMatchObject({
      version: '0',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '123456789012',
      region: 'us-east-1',
      resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${ids.node1.instanceId}`],
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(2);
  });

  it('writes nothing when the instance was already stopped, or when EC2 refused the call', async () => {
    // Act
    await ec2.send(new StopInstancesCommand({ InstanceIds: [ids.node1.instanceId] }));
    await ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })).catch(() => undefined);

    // Assess
    expect(await newEvents()).toEqual([]);
  });

  it('writes pending then running when a stopped instance is started, and nothing when it already runs', async () => {
    // Prepare
    await ec2.send(new StopInstancesCommand({ InstanceIds: [ids.node2.instanceId] }));
    await newEvents();

    // Act
    await ec2.send(new StartInstancesCommand({ InstanceIds: [ids.node2.instanceId] }));
    const started = await newEvents();
    await ec2.send(new StartInstancesCommand({ InstanceIds: [ids.node2.instanceId] }));
    const again = await newEvents();

    // Assess
    expect(statesOf(started)).toEqual([
      [ids.node2.instanceId, 'pending'],
      [ids.node2.instanceId, 'running'],
    ]);
    expect(again).toEqual([]);
  });

  it('stops an instance in moto on an admin request and writes its events', async () => {
    // Act
    const result = await test.world.proxyClient.stopInstance(ids.node2.instanceId);

    // Assess
    expect(result.previousState).toBe('running');
    expect(statesOf(await newEvents())).toEqual([
      [ids.node2.instanceId, 'stopping'],
      [ids.node2.instanceId, 'stopped'],
    ]);
    expect(await instanceState(ec2, ids.node2.instanceId)).toBe('stopped');
  });

  it('writes shutting-down then terminated for termination, by API call or admin request', async () => {
    // Act
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids.node1.instanceId] }));
    await test.world.proxyClient.terminateInstance(ids.node2.instanceId);

    // Assess
    expect(statesOf(await newEvents())).toEqual([
      [ids.node1.instanceId, 'shutting-down'],
      [ids.node1.instanceId, 'terminated'],
      [ids.node2.instanceId, 'shutting-down'],
      [ids.node2.instanceId, 'terminated'],
    ]);
    expect(await instanceState(ec2, ids.node2.instanceId)).toBe('terminated');
    expect((await test.world.proxyClient.counters()).events).toBe(12);
  });

  it('answers an admin stop of an unknown instance with EC2 error and writes nothing', async () => {
    // Act
    const failure = await test.world.proxyClient.stopInstance('i-0123456789abcdef0').catch((error: Error) => error);

    // Assess
    expect(String(failure)).toMatch(/EC2F-L009 .*HTTP 400.*InvalidInstanceID\.NotFound/);
    expect(await newEvents()).toEqual([]);
  });
});

describe('event sink reading', () => {
  it('returns only complete lines and resumes after them', async () => {
    // Prepare
    const path = join(await mkdtemp(join(tmpdir(), 'ec2f-sink-')), 'events.jsonl');
    await writeFile(path, '{"n":1}\n{"n":2}\n{"n":');

    // Act
    const first = await readEventsFrom<{ n: number }>(path, 0);
    await appendFile(path, '3}\n');
    const second = await readEventsFrom<{ n: number }>(path, first.nextOffset);

    // Assess
    expect(first.events).toEqual([{ n: 1 }, { n: 2 }]);
    expect(second.events).toEqual([{ n: 3 }]);
    expect(second.nextOffset).toBe(Buffer.byteLength('{"n":1}\n{"n":2}\n{"n":3}\n'));
  });

  it('reads a missing file as empty and tails appended events until aborted', async () => {
    // Prepare
    const path = join(await mkdtemp(join(tmpdir(), 'ec2f-sink-')), 'later.jsonl');
    const missing = await readEventsFrom(path, 0);
    const stop = new AbortController();
    const seen: unknown[] = [];

    // Act
    const tailing = (async () => {
      for await (const event of tailEvents(path, { pollIntervalMs: 20, signal: stop.signal })) {
        seen.push(event);
        if (seen.length === 2) stop.abort();
      }
    })();
    await writeFile(path, '{"a":1}\n');
    await appendFile(path, '{"a":2}\n');
    await tailing;

    // Assess
    expect(missing).toEqual({ events: [], nextOffset: 0 });
    expect(seen).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
