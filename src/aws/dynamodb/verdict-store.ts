import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Finding, GroupId, HealthState, NodeHealth, NodeId } from '../../core/model';
import { verdictRefreshMs, type TickSpec } from '../../core/verdict-age';
import { translateStoreError } from './errors';
import { withoutUndefined } from './values';
import { RESOURCES_PARTITION_KEY, resourcesTableName } from '../../names';

/*
 * What the reconciler concluded on its last tick, for the operator: each node's verdict
 * (healthy / failed / unknown, and why) and each group's findings. One CLI read cannot judge
 * liveness itself (that needs the heartbeat sequence seen advancing over time), so the
 * reconciler records its judgement, one item in the resources table, overwritten every tick.
 *
 * The item carries `kind: 'verdicts'` and no `resourceId`/`group`: the state scan and the spec
 * apply recognise their own items by kind and key, so they pass it by. Only the holder of the
 * lease writes it; it is informative and never read back by the control plane.
 */

/** Partition key of the reconciler's verdict item. */
export const VERDICTS_ITEM_KEY = 'verdicts#reconciler';

export interface NodeVerdict {
  readonly state: HealthState;
  readonly reason: string;
  /** Since when (reconciler's clock, ms) the node has been healthy without a break. */
  readonly healthySince?: number | undefined;
}

export interface VerdictFinding {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly resource?: string | undefined;
}

export interface Verdicts {
  /** When the reconciler judged (its clock, ms). */
  readonly at: number;
  /** Who judged: the lease holder. */
  readonly holder: string;
  readonly nodes: Readonly<Record<NodeId, NodeVerdict>>;
  readonly groups: Readonly<Record<GroupId, { readonly findings: readonly VerdictFinding[] }>>;
  /**
   * How long they stand: a reconciler that runs on demand judges again within this (its next
   * scheduled run at the latest); unset for one that ticks without a break (verdictMaxAgeMs).
   */
  readonly validForMs?: number | undefined;
}

const verdictsSchema = z.object({
  at: z.number().finite().nonnegative(),
  holder: z.string(),
  nodes: z.record(
    z.string(),
    z.object({
      state: z.enum(['healthy', 'failed', 'unknown']),
      reason: z.string(),
      healthySince: z.number().finite().optional(),
    }),
  ),
  groups: z.record(
    z.string(),
    z.object({
      findings: z.array(
        z.object({
          code: z.string(),
          severity: z.enum(['error', 'warning']),
          message: z.string(),
          resource: z.string().optional(),
        }),
      ),
    }),
  ),
  validForMs: z.number().finite().positive().optional(),
});

/** The verdict item from one tick's judgement: node health and the findings (info findings left out). */
export function verdictsFromTick(input: {
  readonly at: number;
  readonly holder: string;
  readonly health: ReadonlyMap<NodeId, NodeHealth>;
  readonly findings: readonly Finding[];
  readonly groups: readonly GroupId[];
  readonly validForMs?: number | undefined;
}): Verdicts {
  const nodes: Record<NodeId, NodeVerdict> = {};
  for (const [node, health] of input.health) nodes[node] = { state: health.state, reason: health.reason, healthySince: health.healthySince };
  const groups: Record<GroupId, { findings: VerdictFinding[] }> = {};
  for (const group of input.groups) groups[group] = { findings: [] };
  for (const finding of input.findings) {
    if (finding.severity === 'info') continue;
    // A finding about a node alone concerns every group.
    for (const group of finding.group !== undefined ? [finding.group] : input.groups) {
      (groups[group] ??= { findings: [] }).findings.push({ code: finding.code, severity: finding.severity, message: finding.message, resource: finding.resource });
    }
  }
  return { at: input.at, holder: input.holder, nodes, groups, validForMs: input.validForMs };
}

/**
 * A low-level item as plain values. Numbers go through Number(): the document client's own
 * unmarshalling throws on a number it cannot represent, and one such hand-edited value must
 * read as "no verdict", not as DynamoDB being unavailable.
 */
function plain(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(plain);
  if (value.M !== undefined) return plainItem(value.M);
  return undefined;
}

function plainItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([key, value]) => [key, plain(value)]));
}

export class DynamoVerdictStore {
  private readonly tableName: string;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly cluster: string,
  ) {
    this.tableName = resourcesTableName(cluster);
  }

  /** One PutItem, overwriting the previous tick's verdicts. */
  async recordVerdicts(verdicts: Verdicts): Promise<void> {
    const item = withoutUndefined({ [RESOURCES_PARTITION_KEY.name]: VERDICTS_ITEM_KEY, kind: 'verdicts', ...verdicts });
    try {
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item }));
    } catch (error) {
      throw translateStoreError(this.cluster, this.tableName, `PutItem ${this.tableName}`, error);
    }
  }

  /** The last tick's verdicts; undefined when none was recorded or the item does not validate. */
  async readVerdicts(): Promise<Verdicts | undefined> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      ({ Item: item } = await this.documents.send(
        new GetItemCommand({ TableName: this.tableName, Key: { [RESOURCES_PARTITION_KEY.name]: { S: VERDICTS_ITEM_KEY } }, ConsistentRead: true }),
      ));
    } catch (error) {
      throw translateStoreError(this.cluster, this.tableName, `GetItem ${this.tableName}`, error);
    }
    if (item === undefined) return undefined;
    const parsed = verdictsSchema.safeParse(plainItem(item));
    return parsed.success ? parsed.data : undefined;
  }
}

/**
 * What the loop calls after every tick: writes the verdicts when they change (a node's state, a
 * finding's code) and otherwise every verdictRefreshMs (5 s at the defaults), so a steady cluster
 * costs one write per five seconds, not one per tick.
 */
export class VerdictRecorder {
  private lastKey = '';
  private lastWrittenAt = -Infinity;

  constructor(
    private readonly store: Pick<DynamoVerdictStore, 'recordVerdicts'>,
    private readonly holder: string,
    /** Written with the verdicts: set by a reconciler that runs on demand (see Verdicts.validForMs). */
    private readonly validForMs?: number | undefined,
  ) {}

  async record(report: {
    readonly at: number;
    readonly health: ReadonlyMap<NodeId, NodeHealth>;
    readonly findings: readonly Finding[];
    readonly spec: TickSpec & { readonly groups: readonly { readonly id: GroupId }[] };
  }): Promise<void> {
    const groups = report.spec.groups.map((g) => g.id);
    const verdicts = verdictsFromTick({ at: report.at, holder: this.holder, health: report.health, findings: report.findings, groups, validForMs: this.validForMs });
    const key = JSON.stringify([Object.entries(verdicts.nodes).map(([n, v]) => [n, v.state]), Object.entries(verdicts.groups).map(([g, v]) => [g, v.findings.map((f) => f.code)])]);
    if (key === this.lastKey && report.at - this.lastWrittenAt < verdictRefreshMs(report.spec)) return;
    await this.store.recordVerdicts(verdicts);
    this.lastKey = key;
    this.lastWrittenAt = report.at;
  }
}
