import { AssociateAddressCommand, EC2Client, ReplaceRouteCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ec2Cloud } from '../../../../src/aws/ec2/ec2-cloud';
import { Ec2ErrorCode } from '../../../../src/aws/ec2/errors';
import type { Action, ActionReason, Tunables } from '../../../../src/core/model';
import { awsError, defaultTunables, steppedTime } from '../../../support/ec2-unit';

expect.extend(allCustomMatcher);
// Types for the aws-sdk-client-mock-vitest matchers registered above.
declare module 'vitest' {
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const tunables = defaultTunables;

function replaceRoute(routeTableId: string, reason: ActionReason = 'failover'): Action {
  return {
    kind: 'replace-route',
    group: 'app',
    resource: 'vip',
    epoch: 2,
    reason,
    routeTableId,
    destination: '10.1.0.10/32',
    networkInterfaceId: 'eni-0b00000002',
  };
}

function associateAddress(privateIp?: string, reason: ActionReason = 'failover'): Action {
  return {
    kind: 'associate-address',
    group: 'app',
    resource: 'eip',
    epoch: 2,
    reason,
    allocationId: 'eipalloc-0abc0001',
    networkInterfaceId: 'eni-0b00000002',
    privateIp,
  };
}

const stopInstance: Action = { kind: 'stop-instance', group: 'app', epoch: 2, reason: 'fencing', node: 'node1', instanceId: 'i-0abc0001' };

const client = new EC2Client({ region: 'us-east-1' });
const ec2 = mockClient(client);

beforeEach(() => {
  ec2.reset();
  ec2.on(ReplaceRouteCommand).resolves({});
  ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0001' });
  ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [{ InstanceId: 'i-0abc0001', CurrentState: { Name: 'stopping' } }] });
});

afterEach(() => {
  ec2.reset();
});

describe('Ec2Cloud.execute: requests', () => {
  it('repoints a route with ReplaceRoute naming the table, the destination and the new ENI', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const outcomes = await cloud.execute([replaceRoute('rtb-0aaa0001')], tunables);

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(ReplaceRouteCommand, 1);
    expect(ec2.commandCalls(ReplaceRouteCommand)[0]?.args[0].input).toEqual({
      RouteTableId: 'rtb-0aaa0001',
      DestinationCidrBlock: '10.1.0.10/32',
      NetworkInterfaceId: 'eni-0b00000002',
    });
    expect(outcomes).toEqual([{ action: replaceRoute('rtb-0aaa0001'), result: 'ok', elapsedMs: 0 }]);
  });

  it('names an IPv6 destination as DestinationIpv6CidrBlock', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());
    const action = { ...replaceRoute('rtb-0aaa0001'), destination: '2001:db8::10/128' };

    // Act
    await cloud.execute([action], tunables);

    // Assess
    expect(ec2.commandCalls(ReplaceRouteCommand)[0]?.args[0].input).toEqual({
      RouteTableId: 'rtb-0aaa0001',
      DestinationIpv6CidrBlock: '2001:db8::10/128',
      NetworkInterfaceId: 'eni-0b00000002',
    });
  });

  it('moves an Elastic IP with AllowReassociation, naming the private IP only when the member has one', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const outcomes = await cloud.execute([associateAddress('10.0.2.15'), associateAddress()], tunables);

    // Assess
    const inputs = ec2.commandCalls(AssociateAddressCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { AllocationId: 'eipalloc-0abc0001', NetworkInterfaceId: 'eni-0b00000002', AllowReassociation: true, PrivateIpAddress: '10.0.2.15' },
      { AllocationId: 'eipalloc-0abc0001', NetworkInterfaceId: 'eni-0b00000002', AllowReassociation: true },
    ]);
    expect(outcomes.map((o) => o.result)).toEqual(['ok', 'ok']);
  });

  it('fences with StopInstances and takes "accepted" as done', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const outcomes = await cloud.execute([stopInstance], tunables);

    // Assess
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(StopInstancesCommand, { InstanceIds: ['i-0abc0001'] });
    expect(ec2.commandCalls(StopInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: ['i-0abc0001'] });
    expect(outcomes).toEqual([{ action: stopInstance, result: 'ok', elapsedMs: 0 }]);
  });

  it('answers in the order of the actions, whatever order they finish in', async () => {
    // Prepare
    ec2.on(ReplaceRouteCommand).callsFake(async (input: { RouteTableId: string }) => {
      await new Promise((resolve) => setTimeout(resolve, input.RouteTableId === 'rtb-0aaa0001' ? 30 : 1));
      if (input.RouteTableId === 'rtb-0aaa0002') throw awsError('InvalidRouteTableID.NotFound', 400);
      return {};
    });
    const cloud = new Ec2Cloud(client, steppedTime());
    const actions = [replaceRoute('rtb-0aaa0001'), replaceRoute('rtb-0aaa0002'), stopInstance];

    // Act
    const outcomes = await cloud.execute(actions, tunables);

    // Assess
    expect(outcomes.map((o) => [o.action, o.result])).toEqual([
      [actions[0], 'ok'],
      [actions[1], 'terminal'],
      [actions[2], 'ok'],
    ]);
  });
});

describe('Ec2Cloud.execute: failures', () => {
  it('retries throttles and 5xx until EC2 takes the change', async () => {
    // Prepare
    ec2
      .on(ReplaceRouteCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 503))
      .rejectsOnce(awsError('InternalError', 500))
      .rejectsOnce(awsError('Unavailable', 503))
      .resolves({});
    const time = steppedTime();
    const cloud = new Ec2Cloud(client, time);

    // Act
    const [outcome] = await cloud.execute([replaceRoute('rtb-0aaa0001')], tunables);

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(ReplaceRouteCommand, 4);
    expect(outcome).toMatchObject({ result: 'ok' });
    expect(outcome?.elapsedMs).toBe(time.waited());
  });

  it.each<[ActionReason | 'fencing', keyof Tunables]>([
    ['failover', 'restoreTimeoutSeconds'],
    ['switchover', 'restoreTimeoutSeconds'],
    ['switchback', 'restoreTimeoutSeconds'],
    ['initial', 'restoreTimeoutSeconds'],
    ['repair-failed', 'restoreTimeoutSeconds'],
    ['drift', 'recoverTimeoutSeconds'],
    ['fencing', 'removeTimeoutSeconds'],
  ])('gives up a %s action still throttled after %s, as unknown', async (reason, budgetName) => {
    // Prepare
    ec2.on(ReplaceRouteCommand).rejects(awsError('RequestLimitExceeded', 503));
    ec2.on(StopInstancesCommand).rejects(awsError('RequestLimitExceeded', 503));
    const budgets: Tunables = { ...tunables, restoreTimeoutSeconds: 40, recoverTimeoutSeconds: 20, removeTimeoutSeconds: 30 };
    const time = steppedTime();
    const cloud = new Ec2Cloud(client, { ...time, backoff: { baseDelayMs: 100, maxDelayMs: 2000 } });
    const action = reason === 'fencing' ? stopInstance : replaceRoute('rtb-0aaa0001', reason);

    // Act
    const [outcome] = await cloud.execute([action], budgets);

    // Assess
    const budgetMs = budgets[budgetName] * 1000;
    expect(outcome).toMatchObject({ result: 'unknown', error: expect.stringMatching(/^EC2F-E008 .*throttled \(RequestLimitExceeded.*outcome unknown after \d+ attempts/) });
    expect(outcome?.elapsedMs).toBeLessThanOrEqual(budgetMs);
    // The last wait that fitted ends within one maximal backoff of the deadline.
    expect(outcome?.elapsedMs).toBeGreaterThan(budgetMs - 2000);
  });

  it.each([
    ['InvalidNetworkInterfaceID.NotFound', 400, Ec2ErrorCode.networkInterfaceNotFound],
    ['InvalidRouteTableID.NotFound', 400, Ec2ErrorCode.routeTableNotFound],
    ['InvalidRoute.NotFound', 400, Ec2ErrorCode.routeNotFound],
    ['UnauthorizedOperation', 403, Ec2ErrorCode.notAuthorized],
    ['InvalidParameterValue', 400, Ec2ErrorCode.requestRejected],
  ])('reports %s on ReplaceRoute as terminal %s without retrying', async (name, status, code) => {
    // Prepare
    ec2.on(ReplaceRouteCommand).rejects(awsError(name, status));
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const [outcome] = await cloud.execute([replaceRoute('rtb-0aaa0001')], tunables);

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(ReplaceRouteCommand, 1);
    expect(outcome).toMatchObject({ result: 'terminal', code });
    if (outcome?.result === 'terminal') expect(outcome.error).not.toMatch(/^EC2F-/);
  });

  it('reports a missing allocation and a missing instance with their own codes', async () => {
    // Prepare
    ec2.on(AssociateAddressCommand).rejects(awsError('InvalidAllocationID.NotFound', 400));
    ec2.on(StopInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound', 400));
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const outcomes = await cloud.execute([associateAddress(), stopInstance], tunables);

    // Assess
    expect(outcomes).toMatchObject([
      { result: 'terminal', code: Ec2ErrorCode.allocationNotFound, error: expect.stringContaining('eipalloc-0abc0001') },
      { result: 'terminal', code: Ec2ErrorCode.instanceNotFound, error: expect.stringContaining('i-0abc0001') },
    ]);
  });

  it('bounds a call that hangs by apiCallTimeoutSeconds and the action by its budget', async () => {
    // Prepare
    ec2.on(ReplaceRouteCommand).callsFake(() => new Promise(() => {}));
    const cloud = new Ec2Cloud(client);
    const started = Date.now();

    // Act
    const [outcome] = await cloud.execute([replaceRoute('rtb-0aaa0001')], { ...tunables, apiCallTimeoutSeconds: 0.05, restoreTimeoutSeconds: 0.4 });

    // Assess
    expect(outcome).toMatchObject({ result: 'unknown', error: expect.stringMatching(/timed out.*got no answer within/) });
    expect(ec2.commandCalls(ReplaceRouteCommand).length).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('never throws, even when the client fails in a way no one planned for', async () => {
    // Prepare
    ec2.on(ReplaceRouteCommand).callsFake(() => {
      throw 'not even an Error';
    });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const outcomes = await cloud.execute([replaceRoute('rtb-0aaa0001')], { ...tunables, restoreTimeoutSeconds: 1 });

    // Assess
    expect(outcomes).toMatchObject([{ result: 'unknown' }]);
  });
});

describe('Ec2Cloud.execute: the runner’s own limits', () => {
  it('ends a throttled repair by the run’s deadline when its retry budget is longer, and calls it unknown', async () => {
    // Prepare: 300 s of restore budget, but the Lambda run has 8 s left
    ec2.on(ReplaceRouteCommand).rejects(awsError('RequestLimitExceeded', 503));
    const time = steppedTime();
    const cloud = new Ec2Cloud(client, { ...time, backoff: { baseDelayMs: 100, maxDelayMs: 2000 } });
    const deadline = time.clock() + 8_000;

    // Act
    const [outcome] = await cloud.execute([replaceRoute('rtb-0aaa0001')], tunables, { deadline });

    // Assess
    expect(outcome).toMatchObject({ result: 'unknown' });
    expect(time.clock()).toBeLessThanOrEqual(deadline);
  });

  it('sends no mutating call once the holder cannot prove its lease, and calls the action unknown', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const outcomes = await cloud.execute([replaceRoute('rtb-0aaa0001'), associateAddress(), stopInstance], tunables, { mayAct: () => false });

    // Assess
    expect(outcomes.map((o) => o.result)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('classes an authorization refusal apart, so the engine never holds it against the owner', async () => {
    // Prepare
    ec2.on(ReplaceRouteCommand).rejects(awsError('UnauthorizedOperation', 403));
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const [outcome] = await cloud.execute([replaceRoute('rtb-0aaa0001')], tunables);

    // Assess
    expect(outcome).toMatchObject({ result: 'terminal', code: Ec2ErrorCode.notAuthorized, cause: 'unauthorized' });
  });
});

describe('Ec2Cloud.execute: parallelism', () => {
  it('runs actions in parallel but never more EC2 calls at once than the limit', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    ec2.on(ReplaceRouteCommand).callsFake(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return {};
    });
    const cloud = new Ec2Cloud(client, { ...steppedTime(), concurrency: 4 });
    const actions = Array.from({ length: 25 }, (_, i) => replaceRoute(`rtb-0aaa${String(i).padStart(4, '0')}`));

    // Act
    const outcomes = await cloud.execute(actions, tunables);

    // Assess
    expect(peak).toBe(4);
    expect(outcomes.every((o) => o.result === 'ok')).toBe(true);
    expect(ec2).toHaveReceivedCommandTimes(ReplaceRouteCommand, 25);
  });

  it('lets other actions use the slots while a throttled one waits to retry', async () => {
    // Prepare
    const order: string[] = [];
    ec2.on(ReplaceRouteCommand).callsFake(async (input: { RouteTableId: string }) => {
      order.push(input.RouteTableId);
      if (input.RouteTableId === 'rtb-0aaa0001' && order.filter((id) => id === 'rtb-0aaa0001').length === 1) {
        throw awsError('RequestLimitExceeded', 503);
      }
      return {};
    });
    let releaseWait: () => void = () => {};
    const cloud = new Ec2Cloud(client, {
      concurrency: 1,
      random: () => 0.5,
      sleep: () => new Promise<void>((resolve) => (releaseWait = resolve)),
    });

    // Act
    const running = cloud.execute([replaceRoute('rtb-0aaa0001'), replaceRoute('rtb-0aaa0002')], tunables);
    await new Promise((resolve) => setTimeout(resolve, 20));
    releaseWait();
    const outcomes = await running;

    // Assess
    expect(order).toEqual(['rtb-0aaa0001', 'rtb-0aaa0002', 'rtb-0aaa0001']);
    expect(outcomes.map((o) => o.result)).toEqual(['ok', 'ok']);
  });
});
