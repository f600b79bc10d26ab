import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { cloudWatchCaller } from '../aws/cloudwatch/client';
import { checkRecoveryAlarms } from '../aws/cloudwatch/recovery-alarms';
import { dynamoDbClient, dynamoDbDocumentClient, regionFromEnvironment } from '../aws/dynamodb/client';
import { isResourceNotFound } from '../aws/dynamodb/errors';
import { DynamoHeartbeatStore } from '../aws/dynamodb/heartbeat-store';
import { createEc2Client } from '../aws/ec2/client';
import { preflightEc2, type PreflightCheck } from '../aws/ec2/preflight';
import { Ec2FailoverError } from '../core/errors';
import { failureWindowMs } from '../core/health';
import type { ClusterSpec } from '../core/model';
import { clusterTables } from '../names';
import type { CommandIo } from './cli-io';
import { stylesFor } from './output';

/*
 * `validate --live`: the offline checks, then the config against the account: EC2 (preflight.ts),
 * CloudWatch alarms that would recover or reboot a node (recovery-alarms.ts), and the control
 * plane's own state (its tables exist; every node's agent heartbeats). One line per check; a
 * failed check fails the command (EC2F-P001, exit 2) and changes nothing.
 */

export class PreflightFailedError extends Ec2FailoverError {
  constructor(failed: number) {
    super('EC2F-P001', `${failed} preflight check(s) failed; fix what each FAIL line says, then run validate --live again`);
    this.name = 'PreflightFailedError';
  }
}

/** A heartbeat older than this (agent clock) means the agent is not running. */
function staleAfterMs(spec: ClusterSpec): number {
  return Math.max(30_000, 3 * failureWindowMs(spec));
}

async function stateChecks(spec: ClusterSpec, region: string, now: number): Promise<PreflightCheck[]> {
  const client = dynamoDbClient(region);
  const tables = await Promise.all(
    clusterTables(spec.cluster).map(async (table): Promise<PreflightCheck> => {
      try {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
        return Table?.TableStatus === 'ACTIVE'
          ? { status: 'pass', subject: `table ${table.tableName}`, detail: 'exists, ACTIVE' }
          : { status: 'warn', subject: `table ${table.tableName}`, detail: `is ${Table?.TableStatus}`, action: 'Wait until it is ACTIVE.' };
      } catch (error) {
        if (isResourceNotFound(error)) return { status: 'fail', subject: `table ${table.tableName}`, detail: 'does not exist', action: 'Run ec2-failover apply --config FILE (or deploy the stack).' };
        return { status: 'fail', subject: `table ${table.tableName}`, detail: (error as Error).message, action: 'Check the endpoint, region, credentials and IAM.' };
      }
    }),
  );
  if (tables.some((t) => t.status === 'fail' && t.subject.endsWith('-heartbeats'))) return tables;
  const { beats } = await new DynamoHeartbeatStore(dynamoDbDocumentClient(region), spec.cluster).readHeartbeats();
  const heartbeats = spec.nodes.map((node): PreflightCheck => {
    const subject = `heartbeat of ${node.id} (${node.instanceId})`;
    const beat = beats.find((b) => b.instanceId === node.instanceId);
    if (!beat) return { status: 'fail', subject, detail: 'none', action: `Start the agent on ${node.id} (see Installing the node agent).` };
    const ageMs = now - beat.sentAt;
    if (ageMs > staleAfterMs(spec)) return { status: 'fail', subject, detail: `last one ${(ageMs / 1000).toFixed(0)}s ago (agent clock)`, action: `Check the agent on ${node.id}: systemctl status ec2-failover-agent.` };
    return { status: 'pass', subject, detail: `seq ${beat.seq}, ${(Math.max(0, ageMs) / 1000).toFixed(1)}s ago${beat.leaving ? ', leaving' : ''}` };
  });
  return [...tables, ...heartbeats];
}

export async function runValidateLive(spec: ClusterSpec, io: CommandIo, json: boolean, now: () => number = Date.now): Promise<number> {
  const region = regionFromEnvironment(spec.region);
  const ec2 = createEc2Client({ region, apiCallTimeoutSeconds: spec.defaults.tunables.apiCallTimeoutSeconds });
  let checks: PreflightCheck[];
  try {
    const alarms = cloudWatchCaller({ region, credentials: ec2.config.credentials, timeoutMs: spec.defaults.tunables.apiCallTimeoutSeconds * 1000 });
    const [cloud, recovery, state] = await Promise.all([preflightEc2(ec2, spec), checkRecoveryAlarms(alarms, spec), stateChecks(spec, region, now())]);
    checks = [...cloud, ...recovery, ...state];
  } finally {
    ec2.destroy();
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warnings = checks.filter((c) => c.status === 'warn').length;
  if (json) io.stdout.write(`${JSON.stringify({ cluster: spec.cluster, region, checks, failed, warnings }, null, 2)}\n`);
  else {
    const styles = stylesFor(io.stdout);
    const label = { pass: styles.green('PASS'), warn: styles.yellow('WARN'), fail: styles.red('FAIL') } as const;
    for (const c of checks) io.stdout.write(`${label[c.status]}  ${c.subject}: ${c.detail}${c.action ? ` → ${c.action}` : ''}\n`);
    io.stdout.write(`${checks.length - failed - warnings} passed, ${warnings} warnings, ${failed} failed\n`);
  }
  if (failed > 0) throw new PreflightFailedError(failed);
  return 0;
}
