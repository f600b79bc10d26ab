import { isErrorCode, type ErrorCode } from './error-codes';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors';
import { cidrContains, parseIpv4Cidr, isIpv4Address } from './ipv4';
import type { ClusterSpec, GroupSpec, MemberSpec, ResourceSpec } from './model';

/*
 * The cluster config: what the operator writes. The zod schema is the single source of
 * truth for shape and defaults; cross-field rules that zod cannot express per field
 * (priorities, node references, groups) live in `checkClusterRules` below.
 * Every problem carries an `EC2F-Cnnn` code; the README's message catalog explains them.
 */

const code = (c: string) => ({ params: { code: c } });

export { AWS_REGION_PATTERN, CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE, DEFAULT_API_CALL_TIMEOUT_SECONDS } from './config-rules';
import { AWS_REGION_PATTERN, CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE, DEFAULT_API_CALL_TIMEOUT_SECONDS } from './config-rules';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  message: 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
});
const positiveSeconds = z.number().positive();
const awsId = (prefix: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${prefix}… id is required` : `expected a ${prefix}… id`) })
    .regex(new RegExp(`^${prefix}[0-9a-f]{8,17}$`), { message: `expected "${prefix}" followed by 8-17 lowercase hex digits` });

const priority = z
  .number()
  .int({ message: 'priority must be a whole number' })
  .min(1, { message: 'priority must be between 1 and 999 (lower wins)' })
  .max(999, { message: 'priority must be between 1 and 999 (lower wins)' });

const switchback = z.enum(['intelligent', 'automatic']);
const fencing = z.enum(['none', 'stop']);

const tunablesSchema = z
  .strictObject({
    apiCallTimeoutSeconds: positiveSeconds.default(DEFAULT_API_CALL_TIMEOUT_SECONDS).describe('Timeout of one EC2 API call.'),
    restoreTimeoutSeconds: positiveSeconds.default(300).describe('Bound of a whole failover action, retries included.'),
    removeTimeoutSeconds: positiveSeconds.default(300).describe('Bound of releasing a resource (fencing), retries included.'),
    recoverTimeoutSeconds: positiveSeconds.default(300).describe('Bound of one local recovery (drift repair), retries included.'),
    quickCheckTimeoutSeconds: positiveSeconds.default(100).describe('Bound of one observation of routes / EIPs.'),
    maxRetry: z.number().int().min(0).max(100).default(3).describe('Terminal repair failures before failing over.'),
  })
  .prefault({});

const defaultsSchema = z
  .strictObject({
    heartbeat: z
      .strictObject({
        intervalSeconds: positiveSeconds.default(1),
        missedBeats: z.number().int().min(1).default(3),
      })
      .prefault({}),
    switchback: switchback.default('intelligent'),
    checkIntervalSeconds: positiveSeconds.default(1),
    driftCheckIntervalSeconds: positiveSeconds.default(10),
    switchbackDwellSeconds: z.number().min(0).default(60),
    fencing: fencing.default('none'),
    tunables: tunablesSchema,
  })
  .prefault({});

const nodeSchema = z.strictObject({
  id,
  instanceId: awsId('i-'),
  alarmName: z.string().min(1).max(255).optional().describe('CloudWatch alarm whose ALARM state marks this node failed.'),
});

const routeMemberSchema = z.strictObject({
  node: id,
  eni: awsId('eni-'),
  priority,
});

const eipMemberSchema = z.strictObject({
  node: id,
  eni: awsId('eni-'),
  priority,
  privateIp: z
    .string()
    .refine(isIpv4Address, { message: 'privateIp must be an IPv4 address such as 10.0.2.15', ...code('EC2F-C012') })
    .optional(),
});

const cidr = z.string().refine((value) => parseIpv4Cidr(value) !== undefined, {
  message: 'expected an IPv4 CIDR such as 10.1.0.10/32',
  ...code('EC2F-C003'),
});

const routeTablesSchema = z.union([
  z.literal('all'),
  z.array(awsId('rtb-')).min(1),
  z.strictObject({ tag: z.record(z.string().min(1), z.string()).refine((t) => Object.keys(t).length > 0, 'name at least one tag') }),
]);

const commonResource = {
  id,
  group: id.optional().describe('Resources of one group share an owner and move together; defaults to the resource id.'),
  switchback: switchback.optional(),
  fencing: fencing.optional(),
};

const routeResourceSchema = z.strictObject({
  ...commonResource,
  mode: z.literal('route'),
  vpcId: awsId('vpc-'),
  vpcCidr: cidr.optional(),
  destination: cidr,
  routeTables: routeTablesSchema.default('all'),
  members: z.array(routeMemberSchema).min(1),
});

const eipResourceSchema = z.strictObject({
  ...commonResource,
  mode: z.literal('eip'),
  allocationId: awsId('eipalloc-'),
  members: z.array(eipMemberSchema).min(1),
});

const resourceSchema = z.discriminatedUnion('mode', [routeResourceSchema, eipResourceSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'mode must be "route" or "eip"' : undefined),
});

/** The schema of a cluster config file; also exported as JSON Schema for editors. */
export const clusterConfigSchema = z.strictObject({
  cluster: z.string().regex(CLUSTER_NAME_PATTERN, `cluster names the DynamoDB tables: ${CLUSTER_NAME_RULE}`),
  region: z.string().regex(AWS_REGION_PATTERN, 'expected an AWS region such as us-east-1'),
  defaults: defaultsSchema,
  nodes: z.array(nodeSchema).min(1),
  resources: z.array(resourceSchema).min(1),
});

export type ClusterConfigInput = z.input<typeof clusterConfigSchema>;
export type ClusterConfig = z.output<typeof clusterConfigSchema>;

/** JSON Schema (draft 2020-12) of the config file, for editors' completion and validation. */
export function clusterConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(clusterConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

// ---- Validation issues: one way of turning them into coded problems, for every config ----

/** `resources[0].members[1].priority`: the path every config message and diff uses. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

/** One problem as a line: `EC2F-C007 resources[0].members[1].priority: …`. */
export function formatConfigProblem(problem: ConfigProblem): string {
  return `${problem.code} ${problem.path || '(root)'}: ${problem.message}`;
}

/** An unknown key (usually a typo): named with its path, pointing at the reference to check against. */
export function unknownKeysProblem(issue: z.core.$ZodIssueUnrecognizedKeys, code: ErrorCode, reference: string): ConfigProblem {
  return {
    code,
    path: formatConfigPath([...issue.path, issue.keys[0]!]),
    message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against ${reference}`,
  };
}

/** Codes for fields whose problems have one meaning whatever check refused them. */
const CODE_BY_FIELD: Readonly<Record<string, ErrorCode>> = {
  priority: 'EC2F-C006',
  eni: 'EC2F-C011',
  privateIp: 'EC2F-C012',
  destination: 'EC2F-C003',
  vpcCidr: 'EC2F-C003',
};

function problemFromZodIssue(issue: z.core.$ZodIssue): ConfigProblem {
  const params = (issue as { params?: { code?: string } }).params;
  if (issue.code === 'unrecognized_keys') return unknownKeysProblem(issue, 'EC2F-C002', 'the config reference');
  const path = formatConfigPath(issue.path);
  const field = issue.path[issue.path.length - 1];
  if (params?.code && isErrorCode(params.code)) return { code: params.code, path, message: issue.message };
  if (issue.code === 'invalid_union' && issue.path.length === 2 && issue.path[0] === 'resources') {
    return { code: 'EC2F-C010', path: `${path}.mode`, message: 'mode must be "route" or "eip"' };
  }
  if (field === 'mode') return { code: 'EC2F-C010', path, message: 'mode must be "route" or "eip"' };
  const fieldCode = typeof field === 'string' ? CODE_BY_FIELD[field] : undefined;
  if (fieldCode === 'EC2F-C011' && issue.code === 'invalid_type' && issue.input === undefined) {
    return { code: fieldCode, path, message: 'every member needs the id of its ENI (eni-…)' };
  }
  return { code: fieldCode ?? 'EC2F-C016', path, message: issue.message };
}

/**
 * Sane bounds of the timing settings (the README's reference lists them): outside them a config
 * validates as a shape but would hammer DynamoDB, never detect a failure, or fail over on one
 * late heartbeat.
 */
export const TIMING_BOUNDS = {
  'defaults.heartbeat.intervalSeconds': [0.05, 60],
  'defaults.heartbeat.missedBeats': [2, 100],
  'defaults.checkIntervalSeconds': [0.05, 60],
  'defaults.driftCheckIntervalSeconds': [0.1, 3600],
  'defaults.switchbackDwellSeconds': [0, 86_400],
  'defaults.tunables.apiCallTimeoutSeconds': [0.05, 60],
  'defaults.tunables.restoreTimeoutSeconds': [1, 3600],
  'defaults.tunables.removeTimeoutSeconds': [1, 3600],
  'defaults.tunables.recoverTimeoutSeconds': [1, 3600],
  'defaults.tunables.quickCheckTimeoutSeconds': [1, 600],
} as const satisfies Record<string, readonly [number, number]>;

/**
 * Ranges a virtual IP must never be in: the VPC answers them itself (link-local: the instance
 * metadata service, DNS, NTP), or they are not unicast addresses a route table can carry.
 */
export const RESERVED_DESTINATIONS: readonly { readonly cidr: string; readonly what: string }[] = [
  { cidr: '0.0.0.0/8', what: '"this network"' },
  { cidr: '127.0.0.0/8', what: 'loopback' },
  { cidr: '169.254.0.0/16', what: 'link-local (the instance metadata service, the VPC DNS and NTP live there)' },
  { cidr: '224.0.0.0/4', what: 'multicast' },
  { cidr: '240.0.0.0/4', what: 'reserved (and the broadcast address 255.255.255.255)' },
];

function valueAt(config: ClusterConfig, path: string): number {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], config) as number;
}

/** Timings outside their bounds, and timeouts that contradict each other. */
function checkTimings(config: ClusterConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [path, [min, max]] of Object.entries(TIMING_BOUNDS)) {
    const value = valueAt(config, path);
    if (value < min || value > max) {
      problems.push({ code: 'EC2F-C018', path, message: `${value} is outside the sane range ${min} to ${max}; see the config reference` });
    }
  }
  const tunables = config.defaults.tunables;
  for (const bound of ['restoreTimeoutSeconds', 'removeTimeoutSeconds', 'recoverTimeoutSeconds', 'quickCheckTimeoutSeconds'] as const) {
    if (tunables.apiCallTimeoutSeconds > tunables[bound]) {
      problems.push({
        code: 'EC2F-C019',
        path: 'defaults.tunables.apiCallTimeoutSeconds',
        message: `one API call may take ${tunables.apiCallTimeoutSeconds}s but ${bound} bounds the whole action, retries included, at ${tunables[bound]}s; make apiCallTimeoutSeconds at most ${tunables[bound]}`,
      });
    }
  }
  return problems;
}

/** Rules across fields: node references, priorities, VIP placement, group consistency. */
function checkClusterRules(config: ClusterConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (c: ErrorCode, path: string, message: string) => problems.push({ code: c, path, message });

  const nodeIds = new Set<string>();
  const instanceIds = new Set<string>();
  config.nodes.forEach((node, i) => {
    if (nodeIds.has(node.id)) add('EC2F-C015', `nodes[${i}].id`, `node id "${node.id}" is used twice; node ids must be unique`);
    if (instanceIds.has(node.instanceId))
      add('EC2F-C015', `nodes[${i}].instanceId`, `instance ${node.instanceId} is named by two nodes; one instance is one node`);
    nodeIds.add(node.id);
    instanceIds.add(node.instanceId);
  });

  const resourceIds = new Set<string>();
  config.resources.forEach((resource, r) => {
    const at = `resources[${r}]`;
    if (resourceIds.has(resource.id)) add('EC2F-C015', `${at}.id`, `resource id "${resource.id}" is used twice`);
    resourceIds.add(resource.id);

    const seenNodes = new Set<string>();
    const seenPriorities = new Map<number, string>();
    const seenEnis = new Map<string, string>();
    resource.members.forEach((member, m) => {
      const mat = `${at}.members[${m}]`;
      const eniHolder = seenEnis.get(member.eni);
      if (eniHolder !== undefined && eniHolder !== member.node)
        add('EC2F-C017', `${mat}.eni`, `${member.eni} is already the ENI of node "${eniHolder}" in resource "${resource.id}"; a failover between them would move nothing`);
      seenEnis.set(member.eni, member.node);
      if (!nodeIds.has(member.node))
        add('EC2F-C008', `${mat}.node`, `unknown node "${member.node}"; declare it under nodes first`);
      if (seenNodes.has(member.node))
        add('EC2F-C009', `${mat}.node`, `node "${member.node}" appears twice in resource "${resource.id}"; list each node once`);
      const holder = seenPriorities.get(member.priority);
      if (holder !== undefined)
        add(
          'EC2F-C007',
          `${mat}.priority`,
          `priority ${member.priority} is already used by node "${holder}" in resource "${resource.id}"; priorities must be unique within a resource`,
        );
      seenNodes.add(member.node);
      seenPriorities.set(member.priority, member.node);
    });

    if (resource.mode === 'route') {
      const destination = parseIpv4Cidr(resource.destination);
      if (destination && destination.prefixLength !== 32)
        add(
          'EC2F-C004',
          `${at}.destination`,
          `${resource.destination} is not a host route; a virtual IP is a single address such as 10.1.0.10/32`,
        );
      const reserved = destination ? RESERVED_DESTINATIONS.find((r) => cidrContains(parseIpv4Cidr(r.cidr)!, destination)) : undefined;
      if (reserved)
        add('EC2F-C020', `${at}.destination`, `${resource.destination} lies in ${reserved.cidr}, ${reserved.what}; a virtual IP must be an ordinary unicast address outside the VPC CIDR`);
      const vpcCidr = resource.vpcCidr ? parseIpv4Cidr(resource.vpcCidr) : undefined;
      if (destination && vpcCidr && cidrContains(vpcCidr, destination))
        add(
          'EC2F-C005',
          `${at}.destination`,
          `${resource.destination} lies inside the VPC CIDR ${resource.vpcCidr}; the VPC's local route would win, so pick a virtual IP outside ${resource.vpcCidr}`,
        );
    }
  });

  const byGroup = new Map<string, number[]>();
  config.resources.forEach((resource, r) => {
    const group = resource.group ?? resource.id;
    byGroup.set(group, [...(byGroup.get(group) ?? []), r]);
  });
  for (const [group, indexes] of byGroup) {
    const [first, ...rest] = indexes.map((r) => ({ r, resource: config.resources[r]! }));
    if (!first) continue;
    const order = (res: ClusterConfig['resources'][number]) =>
      [...res.members].sort((a, b) => a.priority - b.priority).map((m) => m.node).join(',');
    const policy = (res: ClusterConfig['resources'][number]) =>
      `${res.switchback ?? config.defaults.switchback}/${res.fencing ?? config.defaults.fencing}`;
    for (const { r, resource } of rest) {
      if (order(resource) !== order(first.resource))
        add(
          'EC2F-C013',
          `resources[${r}].members`,
          `resource "${resource.id}" ranks nodes ${order(resource)} but "${first.resource.id}" in the same group "${group}" ranks ${order(first.resource)}; resources of one group must name the same nodes in the same priority order`,
        );
      if (policy(resource) !== policy(first.resource))
        add(
          'EC2F-C014',
          `resources[${r}]`,
          `resource "${resource.id}" has switchback/fencing ${policy(resource)} but "${first.resource.id}" in the same group "${group}" has ${policy(first.resource)}; a group moves as one, so set them alike`,
        );
    }
  }
  return problems;
}

function resolve(config: ClusterConfig): ClusterSpec {
  const resources: ResourceSpec[] = config.resources.map((resource) => {
    const members: MemberSpec[] = [...resource.members]
      .sort((a, b) => a.priority - b.priority)
      .map((m) => ({ node: m.node, eni: m.eni, priority: m.priority, privateIp: 'privateIp' in m ? m.privateIp : undefined }));
    const base = {
      id: resource.id,
      group: resource.group ?? resource.id,
      switchback: resource.switchback ?? config.defaults.switchback,
      fencing: resource.fencing ?? config.defaults.fencing,
      members,
    };
    return resource.mode === 'route'
      ? {
          ...base,
          mode: 'route' as const,
          vpcId: resource.vpcId,
          vpcCidr: resource.vpcCidr,
          destination: resource.destination,
          routeTables: resource.routeTables,
        }
      : { ...base, mode: 'eip' as const, allocationId: resource.allocationId };
  });

  const groups = new Map<string, GroupSpec>();
  for (const resource of resources) {
    const existing = groups.get(resource.group);
    if (existing) {
      existing.resourceIds.push(resource.id);
      continue;
    }
    groups.set(resource.group, {
      id: resource.group,
      resourceIds: [resource.id],
      nodesByPriority: resource.members.map((m) => m.node),
      switchback: resource.switchback,
      fencing: resource.fencing,
      switchbackDwellSeconds: config.defaults.switchbackDwellSeconds,
    });
  }

  return {
    cluster: config.cluster,
    region: config.region,
    defaults: config.defaults,
    nodes: config.nodes.map((n) => ({ id: n.id, instanceId: n.instanceId, alarmName: n.alarmName })),
    resources,
    groups: [...groups.values()],
  };
}

/** Validates a config object (already parsed from YAML or JSON); throws `ConfigError` listing every problem. */
export function parseClusterConfig(input: unknown, source = 'config'): ClusterSpec {
  const result = clusterConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(result.error.issues.map(problemFromZodIssue), source);
  const problems = [...checkTimings(result.data), ...checkClusterRules(result.data)];
  if (problems.length > 0) throw new ConfigError(problems, source);
  return resolve(result.data);
}
