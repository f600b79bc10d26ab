import type { ResourceItem } from '../aws/dynamodb/state-items';
import { ConfigError, UsageError } from '../core/errors';
import type { ConfigProblem } from '../core/errors';

/*
 * The `key=value` settings of `ec2-failover resource set`: which keys a resource has, and how
 * one setting becomes an edit of the resource's spec document. Values are only typed here
 * (a number where the file has a number); whether they are valid is decided by the config
 * rules themselves, with the whole cluster, so a setting passes exactly when the same value in
 * the file would. An empty value removes an optional key (the resource then follows defaults).
 */

type Spec = ResourceItem['spec'];
type Member = { node: string; eni: string; priority: number; privateIp?: string };

export interface Setting {
  /** As typed: `priority.node2=5`. */
  readonly text: string;
  readonly key: string;
  readonly node?: string | undefined;
  readonly value: string;
}

/** Keys of the resource itself: what each means, for the list of allowed keys. */
const RESOURCE_KEYS: Readonly<Record<string, string>> = {
  switchback: 'intelligent|automatic (empty: the cluster default)',
  fencing: 'none|stop (empty: the cluster default)',
  vpcId: 'route mode: vpc-…',
  vpcCidr: 'route mode: a.b.c.d/n (empty: none)',
  destination: 'route mode: the virtual IP, a.b.c.d/32',
  routeTables: 'route mode: all | rtb-…,rtb-… | tag:KEY=VALUE[,KEY=VALUE]',
  allocationId: 'EIP mode: eipalloc-…',
};

/** Keys of one member, written KEY.NODE. */
const MEMBER_KEYS: Readonly<Record<string, string>> = {
  priority: '1-999, lower wins, unique within the resource',
  eni: 'eni-…',
  privateIp: 'EIP mode: an address of the ENI (empty: its primary address)',
};

/** Settings the config holds for the whole cluster, never per resource. */
const CLUSTER_WIDE: Readonly<Record<string, string>> = {
  maxRetry: 'defaults.tunables.maxRetry',
  apiCallTimeoutSeconds: 'defaults.tunables.apiCallTimeoutSeconds',
  restoreTimeoutSeconds: 'defaults.tunables.restoreTimeoutSeconds',
  removeTimeoutSeconds: 'defaults.tunables.removeTimeoutSeconds',
  recoverTimeoutSeconds: 'defaults.tunables.recoverTimeoutSeconds',
  quickCheckTimeoutSeconds: 'defaults.tunables.quickCheckTimeoutSeconds',
  checkIntervalSeconds: 'defaults.checkIntervalSeconds',
  driftCheckIntervalSeconds: 'defaults.driftCheckIntervalSeconds',
  switchbackDwellSeconds: 'defaults.switchbackDwellSeconds',
  intervalSeconds: 'defaults.heartbeat.intervalSeconds',
  missedBeats: 'defaults.heartbeat.missedBeats',
};

/** Keys an edit never changes, and where they are changed instead. */
const FIXED: Readonly<Record<string, string>> = {
  id: 'a resource keeps its id: create the new one (resource create), then delete this one',
  mode: 'a resource keeps its mode: create the new one (resource create), then delete this one',
  group: 'change "group" in the config file and run apply, which carries the group\'s status along',
  members: 'add or remove members with resource extend / unextend; change one with priority.NODE, eni.NODE, privateIp.NODE',
};

/** `switchback (intelligent|automatic …), …, priority.NODE (…)`: the allowed keys, for messages and help. */
export function allowedKeys(): string {
  return [
    ...Object.entries(RESOURCE_KEYS).map(([key, what]) => `${key} (${what})`),
    ...Object.entries(MEMBER_KEYS).map(([key, what]) => `${key}.NODE (${what})`),
  ].join(', ');
}

function refuseKey(text: string, key: string, node: string | undefined): never {
  if (CLUSTER_WIDE[key] !== undefined) {
    throw new UsageError(`"${text}": ${key} is set for the whole cluster (${CLUSTER_WIDE[key]}), not per resource; change it in the config file and run apply`);
  }
  if (FIXED[key] !== undefined) throw new UsageError(`"${text}": ${FIXED[key]}`);
  if (MEMBER_KEYS[key] !== undefined) throw new UsageError(`"${text}": ${key} belongs to a member; write ${key}.NODE=VALUE`);
  if (RESOURCE_KEYS[key] !== undefined && node !== undefined) throw new UsageError(`"${text}": ${key} belongs to the resource; write ${key}=VALUE`);
  throw new UsageError(`unknown setting "${text}"; keys: ${allowedKeys()}`);
}

/** One `key=value` or `key.NODE=value`; an unknown, misplaced or cluster-wide key is refused naming what is allowed. */
export function parseSetting(text: string): Setting {
  const match = /^([A-Za-z]+)(?:\.([A-Za-z0-9][A-Za-z0-9_.-]*))?=(.*)$/s.exec(text);
  if (!match) throw new UsageError(`"${text}" is not key=value or key.NODE=value; keys: ${allowedKeys()}`);
  const [, key, node, value] = match as unknown as [string, string, string | undefined, string];
  const known = node === undefined ? RESOURCE_KEYS[key] : MEMBER_KEYS[key];
  if (known === undefined) refuseKey(text, key, node);
  return { text, key, node, value };
}

/** Every setting parsed; one key given twice is refused (which would win is not obvious). */
export function parseSettings(texts: readonly string[]): Setting[] {
  if (texts.length === 0) throw new UsageError(`resource set needs at least one key=value; keys: ${allowedKeys()}`);
  const settings = texts.map(parseSetting);
  const seen = new Set<string>();
  for (const setting of settings) {
    const name = setting.node === undefined ? setting.key : `${setting.key}.${setting.node}`;
    if (seen.has(name)) throw new UsageError(`${name} is given more than once; give each key once`);
    seen.add(name);
  }
  return settings;
}

/** A number where the file has one; anything else stays text and the config rules judge it. */
function numberOrText(value: string): number | string {
  return /^[+-]?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/** `all`, `rtb-a,rtb-b` or `tag:Key=Value,Key2=Value2`, as the file writes them. */
export function routeTablesValue(value: string): unknown {
  if (value === 'all' || value === '') return value === '' ? undefined : 'all';
  if (!value.startsWith('tag:')) return value.split(',');
  const pairs = value.slice('tag:'.length).split(',').map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`routeTables "${value}": write tag:KEY=VALUE[,KEY=VALUE]`);
    return [pair.slice(0, at), pair.slice(at + 1)] as const;
  });
  return { tag: Object.fromEntries(pairs) };
}

function withKey(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...object };
  if (value === undefined || value === '') delete copy[key];
  else copy[key] = value;
  return copy;
}

function members(spec: Spec): Member[] {
  return [...((spec.members as Member[] | undefined) ?? [])];
}

/** The spec with one setting applied; a member setting for a node the resource lacks is refused. */
export function applySetting(spec: Spec, setting: Setting): Spec {
  if (setting.node === undefined) {
    const value = setting.key === 'routeTables' ? routeTablesValue(setting.value) : setting.value;
    return withKey(spec, setting.key, value) as Spec;
  }
  const list = members(spec);
  const at = list.findIndex((m) => m.node === setting.node);
  if (at < 0) throw new UsageError(`"${setting.text}": resource "${spec.id}" has no member "${setting.node}"; members: ${list.map((m) => m.node).join(', ')}`);
  const value = setting.key === 'priority' ? numberOrText(setting.value) : setting.value;
  list[at] = withKey(list[at]!, setting.key, value) as Member;
  return { ...spec, members: list };
}

export function applySettings(spec: Spec, settings: readonly Setting[]): Spec {
  return settings.reduce(applySetting, spec);
}

/** Where in the resource's spec a setting lands: `switchback`, `members[1].priority`. */
function specPath(spec: Spec, setting: Setting): string {
  if (setting.node === undefined) return setting.key;
  return `members[${members(spec).findIndex((m) => m.node === setting.node)}].${setting.key}`;
}

/** A group must agree on members and policy: a one-resource edit that breaks that can be made group-wide. */
const GROUP_RULES = new Set(['EC2F-C013', 'EC2F-C014']);

/**
 * The config rules' problems, each one a setting caused named by that setting as typed (the
 * rules speak of the whole cluster's paths, `resources[0].members[1].priority`).
 */
export function explainProblems(error: ConfigError, specs: readonly Spec[], settings: readonly Setting[], group: string): ConfigError {
  const causeOf = (path: string) =>
    settings.find((s) =>
      specs.some((spec) => {
        const at = `].${specPath(spec, s)}`;
        return path.endsWith(at) || path.includes(`${at}.`) || path.includes(`${at}[`);
      }),
    );
  const problems: ConfigProblem[] = error.problems.map((problem) => {
    const cause = causeOf(problem.path);
    if (cause) return { ...problem, message: `${problem.message} (from "${cause.text}")` };
    if (GROUP_RULES.has(problem.code) && specs.length === 1) {
      return { ...problem, message: `${problem.message}; add --whole-group to set it on every resource of group "${group}"` };
    }
    return problem;
  });
  return new ConfigError(problems, `resource ${specs.map((spec) => String(spec.id)).join(', ')} after the edit`);
}
