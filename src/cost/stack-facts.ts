import { LambdaEnvironmentVariable, RUN_SHAPES, type RunShape as RunShapeName } from '../names';
import { CostInputError } from './cost-errors';

/*
 * What the bill depends on, read from the stack's synthesized CloudFormation template (never from
 * the construct's defaults, so the estimate follows whatever the deployed stack says): each
 * function's memory, architecture, timeout, what invokes it and the run shape its environment
 * names; each table's billing mode and provisioned capacity; how many alarms (always-on and
 * detailed), dashboards, KMS keys and log metric filters exist.
 */

export type FunctionTrigger = 'schedule' | 'events' | 'deploy';

export interface FunctionFacts {
  readonly logicalId: string;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly timeoutSeconds: number;
  /** `schedule`: a `rate(…)` rule starts it; `events`: an event-pattern rule; `deploy`: neither. */
  readonly trigger: FunctionTrigger;
  /** Seconds between scheduled starts (only for `schedule`). */
  readonly periodSeconds?: number | undefined;
  /** `EC2F_RUN_SHAPE` of its environment, when set to a run shape. */
  readonly runShape?: RunShapeName | undefined;
}

export interface TableFacts {
  readonly logicalId: string;
  readonly tableName: string;
  readonly billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  readonly readCapacityUnits?: number | undefined;
  readonly writeCapacityUnits?: number | undefined;
}

export interface StackFacts {
  readonly functions: readonly FunctionFacts[];
  readonly tables: readonly TableFacts[];
  /** Alarms always created. */
  readonly alarms: number;
  /** Alarms created only with `detailedAlarms` (lib/control-plane-alarms.ts puts them under `Detailed`). */
  readonly detailedAlarms: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  readonly metricFilters: number;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** Lambda's own defaults when a template leaves them out. */
const LAMBDA_DEFAULT_MEMORY_MB = 128;
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
/** Logical ids of the alarms the construct creates only with `detailedAlarms`. */
const DETAILED_ALARM_ID = /AlarmsDetailed/;
const RATE_UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, minutes: 60, hour: 3_600, hours: 3_600, day: 86_400, days: 86_400 };

function resourcesOf(template: unknown): Record<string, CfnResource> {
  const resources = (template as { Resources?: unknown } | null)?.Resources;
  if (typeof resources !== 'object' || resources === null) throw new CostInputError('EC2F-T001', 'not a CloudFormation template: it has no Resources');
  return resources as Record<string, CfnResource>;
}

function ofType(resources: Record<string, CfnResource>, type: string): [string, Record<string, unknown>][] {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}

/** The logical ids a rule's targets name through `Fn::GetAtt: [id, 'Arn']`. */
function targetIds(rule: Record<string, unknown>): string[] {
  const targets = Array.isArray(rule.Targets) ? (rule.Targets as { Arn?: unknown }[]) : [];
  return targets.flatMap((target) => {
    const getAtt = (target.Arn as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
    return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? [getAtt[0]] : [];
  });
}

export function ratePeriodSeconds(expression: string): number {
  const match = /^rate\((\d+) (\w+)\)$/.exec(expression);
  const unit = match ? RATE_UNIT_SECONDS[match[2]!] : undefined;
  if (!match || unit === undefined) throw new CostInputError('EC2F-T001', `the schedule "${expression}" is not a rate(…) expression: runs per month cannot be counted`);
  return Number(match[1]) * unit;
}

function triggers(resources: Record<string, CfnResource>): Map<string, { trigger: FunctionTrigger; periodSeconds?: number }> {
  const found = new Map<string, { trigger: FunctionTrigger; periodSeconds?: number }>();
  for (const [, rule] of ofType(resources, 'AWS::Events::Rule')) {
    const schedule = typeof rule.ScheduleExpression === 'string' ? rule.ScheduleExpression : undefined;
    for (const id of targetIds(rule)) {
      found.set(id, schedule ? { trigger: 'schedule', periodSeconds: ratePeriodSeconds(schedule) } : { trigger: 'events' });
    }
  }
  return found;
}

function runShapeOf(props: Record<string, unknown>): RunShapeName | undefined {
  const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  const value = variables?.[LambdaEnvironmentVariable.runShape];
  return RUN_SHAPES.find((shape) => shape === value);
}

function functionFacts(resources: Record<string, CfnResource>): FunctionFacts[] {
  const invokedBy = triggers(resources);
  return ofType(resources, 'AWS::Lambda::Function').map(([logicalId, props]) => {
    const architectures = Array.isArray(props.Architectures) ? props.Architectures : [];
    const by = invokedBy.get(logicalId);
    return {
      logicalId,
      memoryMb: typeof props.MemorySize === 'number' ? props.MemorySize : LAMBDA_DEFAULT_MEMORY_MB,
      architecture: architectures.includes('arm64') ? 'arm64' : 'x86_64',
      timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : LAMBDA_DEFAULT_TIMEOUT_SECONDS,
      trigger: by?.trigger ?? 'deploy',
      ...(by?.periodSeconds === undefined ? {} : { periodSeconds: by.periodSeconds }),
      ...(runShapeOf(props) === undefined ? {} : { runShape: runShapeOf(props) }),
    };
  });
}

function tableFacts(resources: Record<string, CfnResource>): TableFacts[] {
  return ofType(resources, 'AWS::DynamoDB::Table').map(([logicalId, props]) => {
    const throughput = props.ProvisionedThroughput as { ReadCapacityUnits?: number; WriteCapacityUnits?: number } | undefined;
    const provisioned = props.BillingMode !== 'PAY_PER_REQUEST';
    return {
      logicalId,
      tableName: typeof props.TableName === 'string' ? props.TableName : logicalId,
      billingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
      ...(provisioned ? { readCapacityUnits: throughput?.ReadCapacityUnits ?? 0, writeCapacityUnits: throughput?.WriteCapacityUnits ?? 0 } : {}),
    };
  });
}

/** The facts of one synthesized template; refuses one without the scheduled reconciler. */
export function readStackFacts(template: unknown): StackFacts {
  const resources = resourcesOf(template);
  const alarmIds = ofType(resources, 'AWS::CloudWatch::Alarm').map(([id]) => id);
  const facts: StackFacts = {
    functions: functionFacts(resources),
    tables: tableFacts(resources),
    alarms: alarmIds.filter((id) => !DETAILED_ALARM_ID.test(id)).length,
    detailedAlarms: alarmIds.filter((id) => DETAILED_ALARM_ID.test(id)).length,
    dashboards: ofType(resources, 'AWS::CloudWatch::Dashboard').length,
    kmsKeys: ofType(resources, 'AWS::KMS::Key').length,
    metricFilters: ofType(resources, 'AWS::Logs::MetricFilter').length,
  };
  if (!facts.functions.some((fn) => fn.trigger === 'schedule')) {
    throw new CostInputError('EC2F-T001', 'the template has no function started by a rate(…) schedule: it is not an ec2-failover control plane');
  }
  return facts;
}
