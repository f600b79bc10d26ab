import { Ec2FailoverError } from '../../core/errors';

/*
 * Everything the DynamoDB adapters raise. SDK exceptions never leave src/aws: they are
 * translated here into coded errors (or into typed results where losing a race is normal),
 * so callers branch on our codes and the README catalog can explain each one.
 */

export const StateErrorCode = {
  clusterNotInitialized: 'EC2F-D001',
  storedSpecInvalid: 'EC2F-D002',
  staleHeartbeat: 'EC2F-D003',
  groupTooLarge: 'EC2F-D004',
  unknownGroup: 'EC2F-D005',
  stateStoreUnavailable: 'EC2F-D006',
  tablesNotReady: 'EC2F-D007',
  statusKeptChanging: 'EC2F-D008',
  storedStatusInvalid: 'EC2F-D009',
  leaseItemInvalid: 'EC2F-D010',
  /** A heartbeat item did not validate; it counts as no beat from its node (a finding, never thrown). */
  malformedHeartbeat: 'EC2F-D011',
  /** A signal item did not validate; it is left out of the read (a finding, never thrown). */
  malformedSignal: 'EC2F-D012',
  /** A history item did not validate; it is left out of the read (a finding, never thrown). */
  malformedHistory: 'EC2F-D013',
} as const;

export const ApplyErrorCode = {
  specConflict: 'EC2F-A001',
  concurrentApply: 'EC2F-A002',
  keptResourcesInvalid: 'EC2F-A003',
  groupChangeByEdit: 'EC2F-A004',
} as const;

/** The lease item's holder, token or expiry does not validate: no loop can tell whether it may act. */
export class LeaseItemInvalidError extends Ec2FailoverError {
  constructor(cluster: string, item: string, problem: string) {
    super(
      StateErrorCode.leaseItemInvalid,
      `the lease item ${item} of cluster "${cluster}" is invalid: ${problem}; no loop acts until it is fixed: ` +
        'delete the item in the DynamoDB console (the next loop creates a fresh lease, a loop that held it stands down)',
    );
    this.name = 'LeaseItemInvalidError';
  }
}

/** The tables or the cluster item do not exist: `ec2-failover init` has not run for this cluster. */
export class ClusterNotInitializedError extends Ec2FailoverError {
  constructor(cluster: string, detail: string, cause?: unknown) {
    super(
      StateErrorCode.clusterNotInitialized,
      `cluster "${cluster}" is not initialized (${detail}); run "ec2-failover init --config FILE" first`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'ClusterNotInitializedError';
  }
}

/** What `init` does not repair: an item whose key or bookkeeping it cannot read. */
export const REPAIR_ITEM_BY_HAND = 'correct that attribute of the item in the DynamoDB console (init cannot rewrite an item it cannot read)';

/** What is stored no longer validates, e.g. after a hand edit in the console. */
export class StoredSpecInvalidError extends Ec2FailoverError {
  constructor(cluster: string, detail: string, cause?: unknown, remedy = 'fix the config file and run "ec2-failover init --config FILE --force"') {
    super(StateErrorCode.storedSpecInvalid, `the spec stored for cluster "${cluster}" is invalid: ${detail}; ${remedy}`, cause === undefined ? undefined : { cause });
    this.name = 'StoredSpecInvalidError';
  }
}

/**
 * A group status attribute on a resource item does not validate. The state port can only
 * report it: a read that needs this group's status throws, and nothing is decided on a guess.
 */
export class StoredStatusInvalidError extends Ec2FailoverError {
  readonly item: string;
  readonly group: string;
  constructor(cluster: string, item: string, group: string, problem: string) {
    super(
      StateErrorCode.storedStatusInvalid,
      `the status stored on item ${item} (group "${group}") of cluster "${cluster}" is invalid: ${problem}; ` +
        "nothing is decided for the group while it is unreadable: correct the attribute in the DynamoDB console to the value the group's other items hold",
    );
    this.name = 'StoredStatusInvalidError';
    this.item = item;
    this.group = group;
  }
}

/** A heartbeat whose sequence does not advance past the stored one: a replay, or an agent that restarted its counter. */
export class StaleHeartbeatError extends Ec2FailoverError {
  readonly instanceId: string;
  readonly seq: number;
  constructor(instanceId: string, seq: number) {
    super(
      StateErrorCode.staleHeartbeat,
      `heartbeat ${seq} of ${instanceId} refused: the stored sequence is already ${seq} or higher; an agent must resume above its last stored sequence`,
    );
    this.name = 'StaleHeartbeatError';
    this.instanceId = instanceId;
    this.seq = seq;
  }
}

/** DynamoDB transactions hold at most 100 actions; a group's status is written in one. */
export class GroupTooLargeError extends Ec2FailoverError {
  constructor(group: string, resources: number, limit: number) {
    super(
      StateErrorCode.groupTooLarge,
      `group "${group}" has ${resources} resources but its status is written in one DynamoDB transaction of at most ${limit}; split the group`,
    );
    this.name = 'GroupTooLargeError';
  }
}

export class UnknownGroupError extends Ec2FailoverError {
  constructor(cluster: string, group: string, known: readonly string[]) {
    super(
      StateErrorCode.unknownGroup,
      `cluster "${cluster}" has no group "${group}"; known groups: ${known.length > 0 ? known.join(', ') : '(none)'}`,
    );
    this.name = 'UnknownGroupError';
  }
}

/** DynamoDB could not be reached or refused the call (throttling, access, network): nothing was decided. */
export class StateStoreUnavailableError extends Ec2FailoverError {
  constructor(operation: string, cause: unknown) {
    super(
      StateErrorCode.stateStoreUnavailable,
      `DynamoDB ${operation} failed: ${describeSdkError(cause)}; check the endpoint, region, credentials and IAM permissions, then retry`,
      { cause },
    );
    this.name = 'StateStoreUnavailableError';
  }
}

export class TablesNotReadyError extends Ec2FailoverError {
  constructor(tables: readonly string[], waitedMs: number) {
    super(
      StateErrorCode.tablesNotReady,
      `tables ${tables.join(', ')} did not become ACTIVE within ${Math.round(waitedMs / 1000)} s; check them in the DynamoDB console and retry`,
    );
    this.name = 'TablesNotReadyError';
  }
}

/** An operator request lost the race against status writes too many times in a row. */
export class StatusKeptChangingError extends Ec2FailoverError {
  constructor(group: string, attempts: number) {
    super(
      StateErrorCode.statusKeptChanging,
      `the status of group "${group}" changed under ${attempts} attempts to record the request; retry in a few seconds`,
    );
    this.name = 'StatusKeptChangingError';
  }
}

/** One item whose stored spec was edited by another writer since the last apply. */
export interface SpecConflict {
  /** `cluster` or `resource <id>`. */
  readonly item: string;
  readonly lastWriter?: string | undefined;
  /** Readable `path stored → config` lines; empty for an item the config removes. */
  readonly fields: readonly string[];
}

export class SpecConflictError extends Ec2FailoverError {
  readonly conflicts: readonly SpecConflict[];
  constructor(cluster: string, conflicts: readonly SpecConflict[]) {
    const lines = conflicts.map((c) => {
      const by = c.lastWriter ? ` by ${c.lastWriter}` : '';
      const what = c.fields.length > 0 ? `: ${c.fields.join(', ')}` : ': the config removes it';
      return `  ${c.item} (edited${by})${what}`;
    });
    super(
      ApplyErrorCode.specConflict,
      `the stored spec of cluster "${cluster}" was changed by another writer since the last apply; stored → config:\n${lines.join('\n')}\n` +
        'update the config file to keep those edits, or apply with --force to overwrite them',
    );
    this.name = 'SpecConflictError';
    this.conflicts = conflicts;
  }
}

/** Someone else wrote the items between our read and our conditional write; `outcome` says what was left done. */
export class ConcurrentApplyError extends Ec2FailoverError {
  constructor(cluster: string, outcome: string, cause?: unknown) {
    super(
      ApplyErrorCode.concurrentApply,
      `the stored spec or status of cluster "${cluster}" changed while writing it; ${outcome}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'ConcurrentApplyError';
  }
}

/** Resources the config dropped are kept without --prune, but the result must still be a valid cluster. */
export class KeptResourcesInvalidError extends Ec2FailoverError {
  constructor(cluster: string, kept: readonly string[], problems: readonly string[]) {
    super(
      ApplyErrorCode.keptResourcesInvalid,
      `the config drops resource(s) ${kept.join(', ')} of cluster "${cluster}", which are kept without --prune, but kept they no longer fit the config:\n${problems
        .map((p) => `  ${p}`)
        .join('\n')}\napply with --prune to delete them, or keep them in the config`,
    );
    this.name = 'KeptResourcesInvalidError';
  }
}

// ---- Recognising SDK exceptions --------------------------------------------------------

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

export function isResourceNotFound(error: unknown): boolean {
  return errorName(error) === 'ResourceNotFoundException';
}

export function isResourceInUse(error: unknown): boolean {
  return errorName(error) === 'ResourceInUseException';
}

/**
 * The per-action codes of a cancelled transaction (`None`, `ConditionalCheckFailed`,
 * `TransactionConflict`, …), in the order of the actions sent; undefined for any other error.
 */
export function cancellationCodes(error: unknown): readonly string[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

export function describeSdkError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** What a store reports when DynamoDB refused: the cluster was never initialised, or the call failed. */
export function translateStoreError(cluster: string, tableName: string, what: string, error: unknown): Error {
  if (isResourceNotFound(error)) return new ClusterNotInitializedError(cluster, `table ${tableName} does not exist`, error);
  return new StateStoreUnavailableError(what, error);
}
