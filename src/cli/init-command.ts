import { hostname, userInfo } from 'node:os';
import { ConfigError, Ec2FailoverError, UsageError } from '../core/errors';
import { dynamoDbClient, regionFromEnvironment } from '../aws/dynamodb/client';
import { ConcurrentApplyError, KeptResourcesInvalidError, SpecConflictError } from '../aws/dynamodb/errors';
import { applySpec, itemLabel, type ApplyResult, type ItemChange } from '../apply/spec-apply';
import { formatFieldChange } from '../apply/spec-diff';
import { readClusterConfigFile } from './cluster-context';

/*
 * `ec2-failover init --config FILE [--force] [--prune] [--writer NAME]`: creates the cluster's
 * tables when absent and applies the config to them, printing what changed in a kubectl-like
 * form. Exit codes: 0 applied (or nothing to do), 1 AWS trouble, 2 bad input (nothing
 * changed), 3 the stored spec was changed by someone else (nothing changed unless said).
 */

export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const INIT_USAGE = `usage: ec2-failover init --config FILE [--force] [--prune] [--writer NAME]
  --config FILE   cluster config (YAML or JSON) to apply
  --force         overwrite edits other writers made to the stored spec since the last init
  --prune         delete stored resources the config no longer lists (kept and reported otherwise)
  --writer NAME   who applies, recorded on every written item (default init:<user>@<host>)
DynamoDB is reached through the SDK's standard environment (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, credentials);
the region defaults to the config's.
`;

interface InitArguments {
  readonly configPath: string;
  readonly force: boolean;
  readonly prune: boolean;
  readonly writer?: string | undefined;
  readonly help: boolean;
}

function parseArguments(argv: readonly string[]): InitArguments {
  let configPath: string | undefined;
  let writer: string | undefined;
  let force = false;
  let prune = false;
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const [flag, inlineValue] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inlineValue ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value\n${INIT_USAGE}`);
      return v;
    };
    switch (flag) {
      case '--config':
      case '-c':
        configPath = value();
        break;
      case '--writer':
        writer = value();
        break;
      case '--force':
        force = true;
        break;
      case '--prune':
        prune = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(`unexpected argument "${arg}"\n${INIT_USAGE}`);
    }
  }
  if (help) return { configPath: '', force, prune, writer, help };
  if (configPath === undefined) throw new UsageError(`init needs --config FILE\n${INIT_USAGE}`);
  return { configPath, force, prune, writer, help };
}

function defaultWriter(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep $USER.
  }
  return `init:${user}@${hostname()}`;
}

function changeLine(change: ItemChange): string {
  const label = itemLabel(change.item);
  switch (change.change) {
    case 'added':
      return `+ ${label}${change.note ? ` (${change.note})` : ''}`;
    case 'changed': {
      const extras = [change.note, change.overwrote ? `overwrote an edit by ${change.overwrote}` : undefined].filter(Boolean);
      return `~ ${label}: ${change.fields.map(formatFieldChange).join(', ')}${extras.length > 0 ? ` (${extras.join('; ')})` : ''}`;
    }
    case 'removed':
      return change.pruned
        ? `- ${label} (deleted)`
        : `- ${label} (not in the config; kept: run init --prune to delete it)`;
    case 'unchanged':
      return `= ${label}`;
  }
}

export function formatApplyResult(result: ApplyResult, configPath: string): string {
  const lines: string[] = [];
  if (result.tablesCreated.length > 0) lines.push(`created tables ${result.tablesCreated.join(', ')}`);
  for (const change of result.changes) lines.push(changeLine(change));
  const count = (kind: ItemChange['change']) => result.changes.filter((c) => c.change === kind).length;
  const removed = result.changes.filter((c) => c.change === 'removed');
  const deleted = removed.filter((c) => c.change === 'removed' && c.pruned).length;
  if (count('added') + count('changed') + deleted === 0) {
    lines.push(`= unchanged: cluster ${result.cluster} already matches ${configPath}${removed.length > 0 ? ` (${removed.length} stored resource(s) kept)` : ''}`);
  } else {
    lines.push(
      `applied ${configPath} to cluster ${result.cluster}: ${count('added')} added, ${count('changed')} changed, ${deleted} deleted, ${removed.length - deleted} kept`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof KeptResourcesInvalidError) return 2;
  if (error instanceof SpecConflictError || error instanceof ConcurrentApplyError) return 3;
  return 1;
}

export async function runInit(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const args = parseArguments(argv);
    if (args.help) {
      io.stdout.write(INIT_USAGE);
      return 0;
    }
    // The apply stores the document as written, not the resolved spec.
    const { spec, document } = readClusterConfigFile(args.configPath, 'init');
    const client = dynamoDbClient(regionFromEnvironment(spec.region));
    const result = await applySpec(client, document, { force: args.force, prune: args.prune, writer: args.writer ?? defaultWriter() });
    io.stdout.write(formatApplyResult(result, args.configPath));
    return 0;
  } catch (error) {
    if (error instanceof Ec2FailoverError) {
      io.stderr.write(`${error.message}\n`);
      return exitCodeFor(error);
    }
    io.stderr.write(`ec2-failover init: unexpected error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return 1;
  }
}
