import { RUN_SHAPES, type RunShape } from '../src/names';
import { ConstructPropsError, type ConstructPropsErrorCode } from './deploy-errors';
import type { Ec2FailoverControlPlaneProps } from './control-plane';

/*
 * The construct props our own app (bin/app.ts) takes from `cdk deploy -c key=value`, beside the
 * config file: the ones that depend on the account rather than the cluster (who operates it,
 * whether its tables exist already, how they are billed, how the reconciler runs, whether it pays
 * for a dashboard, detailed alarms or a key for the alarm topic).
 */

export const AppContextKey = {
  adoptExistingTables: 'adoptExistingTables',
  operatorRoleArns: 'operatorRoleArns',
  controllerRoleArns: 'controllerRoleArns',
  agentRoleArns: 'agentRoleArns',
  tableCapacity: 'tableCapacity',
  dashboard: 'dashboard',
  runShape: 'runShape',
  detailedAlarms: 'detailedAlarms',
  alarmTopicKey: 'alarmTopicKey',
} as const;

export type ContextProps = Pick<
  Ec2FailoverControlPlaneProps,
  'adoptExistingTables' | 'operatorRoleArns' | 'controllerRoleArns' | 'agentRoleArns' | 'tableCapacity' | 'dashboard' | 'runShape' | 'detailedAlarms' | 'alarmTopicKey'
>;

function flag(key: string, value: unknown, code: ConstructPropsErrorCode = 'EC2F-K008'): boolean | undefined {
  if (value === undefined || value === true || value === false) return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ConstructPropsError(code, `-c ${key}=${String(value)}: expected true or false`);
}

function runShape(value: unknown): RunShape | undefined {
  if (value === undefined) return undefined;
  const shape = RUN_SHAPES.find((candidate) => candidate === value);
  if (shape === undefined) throw new ConstructPropsError('EC2F-K009', `-c ${AppContextKey.runShape}=${String(value)}: expected ${RUN_SHAPES.join(' or ')}`);
  return shape;
}

function list(key: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  throw new ConstructPropsError('EC2F-K008', `-c ${key}: expected a comma-separated list of role ARNs`);
}

/** Reads the context keys above; absent keys leave the construct's defaults. */
export function contextProps(get: (key: string) => unknown): ContextProps {
  const props: { -readonly [K in keyof ContextProps]: ContextProps[K] } = {};
  const adopt = flag(AppContextKey.adoptExistingTables, get(AppContextKey.adoptExistingTables));
  if (adopt !== undefined) props.adoptExistingTables = adopt;
  const dashboard = flag(AppContextKey.dashboard, get(AppContextKey.dashboard));
  if (dashboard !== undefined) props.dashboard = dashboard;
  for (const key of [AppContextKey.detailedAlarms, AppContextKey.alarmTopicKey] as const) {
    const on = flag(key, get(key), 'EC2F-K009');
    if (on !== undefined) props[key] = on;
  }
  const shape = runShape(get(AppContextKey.runShape));
  if (shape !== undefined) props.runShape = shape;
  for (const key of [AppContextKey.operatorRoleArns, AppContextKey.controllerRoleArns, AppContextKey.agentRoleArns] as const) {
    const arns = list(key, get(key));
    if (arns !== undefined) props[key] = arns;
  }
  const capacity = get(AppContextKey.tableCapacity);
  if (capacity !== undefined) {
    if (capacity !== 'on-demand' && capacity !== 'provisioned') throw new ConstructPropsError('EC2F-K008', `-c ${AppContextKey.tableCapacity}=${String(capacity)}: expected on-demand or provisioned`);
    props.tableCapacity = capacity;
  }
  return props;
}
