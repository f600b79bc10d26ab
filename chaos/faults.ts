import { DeleteItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { AssociateAddressCommand, DescribeAddressesCommand, DisassociateAddressCommand, ReplaceRouteCommand, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../src/aws/dynamodb/state-store';
import type { FaultRule } from '../src/local/fault-rules';
import { DEMO_VIRTUAL_IP } from '../src/local/seed-demo';
import { heartbeatsTableName, OWNERSHIP_CHANGED_MESSAGE } from '../src/names';
import type { Fleet } from './fleet';
import { GROUP, readLeaseHolder, readStatuses } from './observer';
import type { FaultKind, FaultStep, NodeName } from './scenario';
import type { ChaosWorld } from './world';

/*
 * The fault injectors: each starts its fault, holds it for the drawn duration, ends it and
 * says when it ended (a restarted process counts as back once it is ready). All of them act
 * from outside: signals to processes, the fault proxy's rules, the DynamoDB relay, direct
 * EC2 calls to moto and direct DynamoDB writes.
 */

export interface FaultRecord {
  readonly step: number;
  readonly kind: FaultKind;
  /** The node or controller the fault hit. */
  readonly hit: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly note?: string;
}

export interface FaultContext {
  readonly world: ChaosWorld;
  readonly fleet: Fleet;
  readonly cluster: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const other = (node: NodeName): NodeName => (node === 'node1' ? 'node2' : 'node1');

async function currentOwner(ctx: FaultContext): Promise<NodeName> {
  const statuses = await readStatuses(ctx.world, ctx.cluster);
  const owner = statuses[0]?.owner;
  return owner === 'node2' ? 'node2' : 'node1';
}

async function resolveNode(ctx: FaultContext, target: FaultStep['target']): Promise<NodeName> {
  const owner = await currentOwner(ctx);
  const node = target === 'standby' ? other(owner) : owner;
  await ctx.fleet.settled(node);
  return node;
}

async function leader(ctx: FaultContext): Promise<string> {
  const name = ctx.fleet.controllerOf(await readLeaseHolder(ctx.world, ctx.cluster)) ?? [...ctx.fleet.controllers.keys()][0]!;
  await ctx.fleet.settled(name);
  return name;
}

/** EC2 fault rules in force, by step: a rule ends without cutting short another that overlaps it. */
const activeRules = new Map<number, FaultRule>();
let slowDynamo = 0;

function ec2Rule(fault: FaultStep): FaultRule {
  const action = String(fault.detail.action ?? '*');
  const rate = Number(fault.detail.rate ?? 1);
  switch (fault.kind) {
    case 'ec2-throttle':
      return { action, errorCode: 'RequestLimitExceeded', rate };
    case 'ec2-5xx':
      return { action, errorCode: fault.step % 2 === 0 ? 'InternalError' : 'Unavailable', rate };
    case 'ec2-hang':
      return { action, hang: true, rate };
    default:
      return { action, errorCode: 'UnauthorizedOperation', errorStatus: 403, errorMessage: 'You are not authorized to perform this operation.', rate };
  }
}

function malformedHeartbeat(instanceId: string, shape: string): Record<string, AttributeValue> {
  const base: Record<string, AttributeValue> = {
    instanceId: { S: instanceId },
    seq: { N: String(Date.now()) },
    sentAt: { N: String(Date.now()) },
    leaving: { BOOL: false },
    checks: { L: [] },
  };
  if (shape === 'checks-null') return { ...base, checks: { L: [{ NULL: true }] } };
  if (shape === 'seq-fraction') return { ...base, seq: { N: '9007199254740993.5' } };
  return { ...base, seq: { S: 'not-a-number' } };
}

async function restartController(ctx: FaultContext, name: string): Promise<void> {
  await ctx.fleet.startController(name);
}

export async function injectFault(ctx: FaultContext, fault: FaultStep): Promise<FaultRecord> {
  const { world, fleet } = ctx;
  const ids = world.demo.ids;
  const startedAt = Date.now();
  const done = (hit: string, note?: string): FaultRecord => ({ step: fault.step, kind: fault.kind, hit, startedAt, endedAt: Date.now(), note });
  switch (fault.kind) {
    case 'agent-kill': {
      const node = await resolveNode(ctx, fault.target);
      await fleet.kill(node);
      await sleep(fault.durationMs);
      await fleet.startAgent(node);
      return done(node);
    }
    case 'agent-freeze': {
      const node = await resolveNode(ctx, fault.target);
      fleet.freeze(node);
      await sleep(fault.durationMs);
      fleet.thaw(node);
      return done(node);
    }
    case 'controller-kill': {
      const name = await leader(ctx);
      await fleet.kill(name);
      await sleep(fault.durationMs);
      await restartController(ctx, name);
      return done(name);
    }
    case 'controller-freeze': {
      const name = await leader(ctx);
      fleet.freeze(name);
      await sleep(fault.durationMs);
      fleet.thaw(name);
      return done(name);
    }
    case 'controller-kill-after-commit':
    case 'controller-freeze-after-commit': {
      // The owner's agent dies; the leader commits the failover and is killed or frozen on its
      // "ownership changed" line, before (or while) it acts. The other controller finishes the job.
      // Runs are on demand: whichever controller's run the wake starts commits, so the one that logs the commit is stopped.
      const watched = [...fleet.controllers.entries()].map(([who, process]) => ({ who, process, from: process.lines.length }));
      const owner = await currentOwner(ctx);
      await fleet.settled(owner);
      await fleet.kill(owner);
      let note = 'no commit seen';
      let name = await leader(ctx);
      try {
        name = await Promise.any(watched.map(async ({ who, process, from }) => (await process.waitFor((l) => l.message === OWNERSHIP_CHANGED_MESSAGE, 10_000, from), who)));
        note = 'stopped on its commit';
      } catch {
        // No commit (no healthy standby, say): the leader is stopped anyway.
      }
      if (fault.kind === 'controller-kill-after-commit') {
        await fleet.kill(name);
        await sleep(fault.durationMs);
        await fleet.startAgent(owner);
        await restartController(ctx, name);
        return done(name, note);
      }
      fleet.freeze(name);
      // While it is frozen: the old owner comes back and an operator switches the group back to it,
      // so the frozen controller's plan (traffic to the standby) is stale when it wakes.
      await fleet.startAgent(owner);
      const store = new DynamoStateStore(DynamoDBDocumentClient.from(world.ddb, { marshallOptions: { removeUndefinedValues: true } }), ctx.cluster);
      const deadline = Date.now() + Math.max(fault.durationMs, 4000);
      for (let attempt = 1; Date.now() < deadline; attempt++) {
        const statuses = await readStatuses(world, ctx.cluster);
        if (statuses[0]?.owner === owner) {
          note += `; switched back to ${owner}`;
          break;
        }
        if (statuses[0]?.phase === 'steady' && attempt % 5 === 1) {
          await store.requestOperatorAction(GROUP, { kind: 'switchover', to: owner, id: `chaos-${Date.now()}`, requestedAt: Date.now() }).catch(() => undefined);
        }
        await sleep(100);
      }
      fleet.thaw(name);
      return done(name, note);
    }
    case 'ddb-freeze': {
      world.freezeDynamo();
      await sleep(fault.durationMs);
      world.thawDynamo();
      return done('dynamodb');
    }
    case 'ddb-slow': {
      slowDynamo += 1;
      world.relay.delay(Number(fault.detail.delayMs));
      await sleep(fault.durationMs);
      slowDynamo -= 1;
      if (slowDynamo === 0) world.relay.pass();
      return done('dynamodb');
    }
    case 'ec2-throttle':
    case 'ec2-5xx':
    case 'ec2-hang':
    case 'ec2-unauthorized': {
      activeRules.set(fault.step, ec2Rule(fault));
      await world.local.proxyClient.setFaults([...activeRules.values()]);
      await sleep(fault.durationMs);
      activeRules.delete(fault.step);
      await world.local.proxyClient.setFaults([...activeRules.values()]);
      return done('ec2');
    }
    case 'route-moved': {
      const owner = await currentOwner(ctx);
      const to = fault.detail.to === 'stranger' ? world.strangerEni : ids[other(owner)].eniId;
      const table = ids.routeTableIds[Number(fault.detail.table)]!;
      await world.moto.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: to }));
      return done(table, `to ${to}`);
    }
    case 'eip-moved': {
      const owner = await currentOwner(ctx);
      if (fault.detail.to === 'none') {
        const { Addresses } = await world.moto.send(new DescribeAddressesCommand({ AllocationIds: [ids.allocationId] }));
        const association = Addresses?.[0]?.AssociationId;
        if (association) await world.moto.send(new DisassociateAddressCommand({ AssociationId: association }));
        return done(ids.allocationId, 'disassociated');
      }
      const node = ids[other(owner)];
      await world.moto.send(new AssociateAddressCommand({ AllocationId: ids.allocationId, NetworkInterfaceId: node.eniId, PrivateIpAddress: node.privateIp, AllowReassociation: true }));
      return done(ids.allocationId, `to ${node.eniId}`);
    }
    case 'instance-stop': {
      const node = await resolveNode(ctx, fault.target);
      await world.local.proxyClient.stopInstance(ids[node].instanceId);
      await sleep(fault.durationMs);
      await world.viaProxy.send(new StartInstancesCommand({ InstanceIds: [ids[node].instanceId] }));
      return done(node);
    }
    case 'malformed-heartbeat': {
      const node = await resolveNode(ctx, 'standby');
      const shape = String(fault.detail.shape);
      const table = heartbeatsTableName(ctx.cluster);
      await world.ddb.send(new PutItemCommand({ TableName: table, Item: malformedHeartbeat(ids[node].instanceId, shape) }));
      await sleep(fault.durationMs);
      // An operator removes the bad item; the agent's next beat writes a good one.
      await world.ddb.send(new DeleteItemCommand({ TableName: table, Key: { instanceId: { S: ids[node].instanceId } } }));
      return done(node, shape);
    }
  }
}

/** Whatever a fault left behind when a scenario is cut short. */
export async function clearFaults(world: ChaosWorld): Promise<void> {
  activeRules.clear();
  slowDynamo = 0;
  world.thawDynamo();
  world.relay.pass();
  await world.local.proxyClient.clearFaults().catch(() => undefined);
}
