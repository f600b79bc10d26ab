import { Ec2FailoverError } from '../core/errors';

/*
 * Every error the node agent raises, with a stable `EC2F-G0nn` code the README's catalog
 * explains. Errors found while it runs (a failing hook, an unreadable status) are logged and
 * reported in the heartbeat instead of stopping the agent; these are the ones that stop it, or
 * the ones a hook result carries.
 */

export const AgentErrorCode = {
  configUnreadable: 'EC2F-G001',
  configInvalid: 'EC2F-G002',
  configUnknownKey: 'EC2F-G003',
  configDuplicateCheck: 'EC2F-G004',
  imdsUnavailable: 'EC2F-G005',
  notAClusterNode: 'EC2F-G006',
  interfaceNotFound: 'EC2F-G007',
  hookFailed: 'EC2F-G008',
  stateFileUnusable: 'EC2F-G009',
} as const;

/** The agent config file cannot be read at all. */
export class AgentConfigUnreadableError extends Ec2FailoverError {
  constructor(path: string, cause: unknown) {
    super(
      AgentErrorCode.configUnreadable,
      `cannot read the agent config ${path}: ${(cause as Error)?.message ?? String(cause)}; check the path given to --config and its permissions`,
      { cause },
    );
    this.name = 'AgentConfigUnreadableError';
  }
}

/** IMDSv2 did not answer, or answered something unusable, and no flag stands in for the value. */
export class ImdsUnavailableError extends Ec2FailoverError {
  constructor(what: string, detail: string, cause?: unknown) {
    super(
      AgentErrorCode.imdsUnavailable,
      `cannot read ${what} from the instance metadata service (IMDSv2): ${detail}; on EC2 check that IMDS is enabled (http-endpoint enabled, hop limit ≥ 1); elsewhere pass --instance-id and --region, or --imds-endpoint`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'ImdsUnavailableError';
  }
}

/** The instance the agent runs on is not a node of the cluster's stored spec. */
export class NotAClusterNodeError extends Ec2FailoverError {
  readonly instanceId: string;
  constructor(cluster: string, instanceId: string, known: readonly string[]) {
    super(
      AgentErrorCode.notAClusterNode,
      `instance ${instanceId} is not a node of cluster "${cluster}" (its nodes: ${known.length > 0 ? known.join(', ') : 'none'}); add it under nodes in the cluster config and run "ec2-failover init", or fix --instance-id / the agent's cluster name`,
    );
    this.name = 'NotAClusterNodeError';
    this.instanceId = instanceId;
  }
}

/** A protected ENI of this node has no local network interface the agent can find. */
export class InterfaceNotFoundError extends Ec2FailoverError {
  readonly eni: string;
  constructor(eni: string, detail: string) {
    super(
      AgentErrorCode.interfaceNotFound,
      `no local network interface for ${eni}: ${detail}; attach the ENI to this instance, or name its interface under "interfaces" in the agent config (or --interface ${eni}=IFACE)`,
    );
    this.name = 'InterfaceNotFoundError';
    this.eni = eni;
  }
}

/** An activate or deactivate step (the built-in `ip addr` step or a user script) failed or timed out. */
export class HookFailedError extends Ec2FailoverError {
  readonly step: string;
  constructor(step: string, detail: string, cause?: unknown) {
    super(AgentErrorCode.hookFailed, `${step} failed: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'HookFailedError';
    this.step = step;
  }
}

/** The agent's state file (last handled epoch per group) cannot be written or read. */
export class StateFileUnusableError extends Ec2FailoverError {
  constructor(path: string, action: 'read' | 'write', cause: unknown) {
    super(
      AgentErrorCode.stateFileUnusable,
      `cannot ${action} the agent state file ${path}: ${(cause as Error)?.message ?? String(cause)}; check --state-dir / stateDir exists and is writable by the agent`,
      { cause },
    );
    this.name = 'StateFileUnusableError';
  }
}
