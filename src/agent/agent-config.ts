import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AWS_REGION_PATTERN, CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE, formatConfigPath, unknownKeysProblem } from '../core/config';
import { parseYamlDocument } from '../core/config-text';
import { ConfigError, type ConfigProblem } from '../core/errors';
import { AgentConfigUnreadableError, AgentErrorCode } from './agent-errors';

/*
 * The agent's own config, a file on the node. It is never fetched from DynamoDB: what a node
 * runs (checks, hooks) is decided by whoever administers the node, so a compromised or mistaken
 * control plane can move ownership but can never make a node run a command.
 */

/** The name of the synthetic check that reports a failed activation; a user check may not take it. */
export const ACTIVATE_HOOK_CHECK = 'activate-hook';

const seconds = z.number().positive();
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  message: 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
});

/** A string runs through `/bin/sh -c`; a list runs as argv, without a shell. */
const command = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const checkCommon = {
  name,
  required: z.boolean().default(false).describe('A failing required check makes the control plane treat the node as failed.'),
  timeoutSeconds: seconds.default(3),
  intervalSeconds: seconds.default(5),
  failureThreshold: z.number().int().min(1).max(100).default(1).describe('Consecutive failures before the check reports failing.'),
};

const commandCheckSchema = z.strictObject({ ...checkCommon, type: z.literal('command'), command });

const httpCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
  expectStatus: z
    .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
    .optional()
    .describe('Status codes that count as healthy; any 2xx or 3xx when left out.'),
});

const tcpCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('tcp'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
});

const checkSchema = z.discriminatedUnion('type', [commandCheckSchema, httpCheckSchema, tcpCheckSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'type must be "command", "http" or "tcp"' : undefined),
});

const userHookSchema = z.strictObject({ command, timeoutSeconds: seconds.default(60) });

const hooksSchema = z
  .strictObject({
    mode: z
      .enum(['after', 'replace'])
      .default('after')
      .describe('after: the built-in ip step, then your script (reverse order on deactivate); replace: your scripts only.'),
    ipCommand: z
      .array(z.string().min(1))
      .min(1)
      .default(['ip'])
      .describe('argv prefix of the ip binary, e.g. ["ip", "netns", "exec", "ns1", "ip"].'),
    ipTimeoutSeconds: seconds.default(10),
    activate: userHookSchema.optional(),
    deactivate: userHookSchema.optional(),
    activateRetrySeconds: seconds
      .default(30)
      .describe('While still the owner after a failed activation (no other node took over), try again this often.'),
  })
  .prefault({});

const interfaceName = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, { message: 'expected a Linux interface name such as eth1 or ens6' });
const eniId = z.string().regex(/^eni-[0-9a-f]{8,17}$/, { message: 'expected "eni-" followed by 8-17 lowercase hex digits' });

export const agentConfigSchema = z.strictObject({
  cluster: z.string().regex(CLUSTER_NAME_PATTERN, `the cluster name as in the cluster config (${CLUSTER_NAME_RULE})`),
  region: z
    .string()
    .regex(AWS_REGION_PATTERN, 'expected an AWS region such as us-east-1')
    .optional()
    .describe('Region of the cluster tables; the instance region from IMDS when left out.'),
  stateDir: z.string().min(1).default('/var/lib/ec2-failover').describe('Where the last handled epoch per group is kept.'),
  dynamoDbTimeoutSeconds: seconds.default(2).describe('Bound of one DynamoDB call (heartbeat write, status read).'),
  interfaces: z.record(eniId, interfaceName).default({}).describe('ENI id → local interface, where MAC matching cannot tell.'),
  checks: z.array(checkSchema).default([]),
  hooks: hooksSchema,
  selfFencing: z
    .strictObject({ enabled: z.boolean().default(false), leaseSeconds: seconds.default(10) })
    .prefault({})
    .describe('Demote this node when it cannot confirm its ownership for leaseSeconds. Off by default: read docs/agent.md.'),
  wake: z
    .boolean()
    .default(true)
    .describe('Wake the reconciler (lambda:InvokeFunction) when an owner falls silent, the checks flip, or the agent starts or leaves.'),
});

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
export type CheckConfig = AgentConfig['checks'][number];
export type HooksConfig = AgentConfig['hooks'];
export type UserHookConfig = NonNullable<HooksConfig['activate']>;
export type CommandSpec = z.output<typeof command>;

function problemFromIssue(issue: z.core.$ZodIssue): ConfigProblem {
  if (issue.code === 'unrecognized_keys') return unknownKeysProblem(issue, AgentErrorCode.configUnknownKey, 'docs/agent.md');
  // A bad record key (under `interfaces`) carries the key's own problem inside.
  const nested = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
  return { code: AgentErrorCode.configInvalid, path: formatConfigPath(issue.path), message: nested ?? issue.message };
}

function crossFieldProblems(config: AgentConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  config.checks.forEach((check, i) => {
    if (check.name === ACTIVATE_HOOK_CHECK)
      problems.push({ code: AgentErrorCode.configDuplicateCheck, path: `checks[${i}].name`, message: `"${ACTIVATE_HOOK_CHECK}" is reserved for the agent's own report of a failed activation` });
    else if (seen.has(check.name))
      problems.push({ code: AgentErrorCode.configDuplicateCheck, path: `checks[${i}].name`, message: `check name "${check.name}" is used twice; the heartbeat reports checks by name` });
    seen.add(check.name);
  });
  if (config.hooks.mode === 'replace' && !config.hooks.activate && !config.hooks.deactivate)
    problems.push({
      code: AgentErrorCode.configInvalid,
      path: 'hooks.mode',
      message: 'mode "replace" drops the built-in ip step, so give an activate and/or deactivate script (or use mode "after")',
    });
  return problems;
}

/** Validates a parsed config document; throws ConfigError listing every problem, each with its code. */
export function parseAgentConfig(input: unknown, source = 'agent config'): AgentConfig {
  const result = agentConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(result.error.issues.map(problemFromIssue), source);
  const problems = crossFieldProblems(result.data);
  if (problems.length > 0) throw new ConfigError(problems, source);
  return result.data;
}

/** Parses YAML (or JSON, a subset of it) and validates it. */
export function parseAgentConfigText(text: string, source = 'agent config'): AgentConfig {
  return parseAgentConfig(parseYamlDocument(text, source, AgentErrorCode.configInvalid), source);
}

export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AgentConfigUnreadableError(path, error);
  }
  return parseAgentConfigText(text, path);
}
