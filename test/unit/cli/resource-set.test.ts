import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applySettings, explainProblems, parseSetting, parseSettings, routeTablesValue } from '../../../src/cli/resource-set';
import { parseClusterConfig } from '../../../src/core/config';
import { ConfigError, UsageError } from '../../../src/core/errors';

/* `resource set` settings: parsed strictly, applied to the spec document, judged by the config rules as the file is. */

const example = () => parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8')) as { resources: Record<string, unknown>[] };
type Spec = Parameters<typeof applySettings>[0];
const dbVip = (): Spec => example().resources[0] as Spec;
const webEip = (): Spec => example().resources[1] as Spec;

/** The codes the config rules give a cluster whose first resource is `spec`. */
function codesWith(spec: Spec, index = 0): string[] {
  const document = example();
  document.resources[index] = spec as Record<string, unknown>;
  try {
    parseClusterConfig(document);
    return [];
  } catch (error) {
    return (error as ConfigError).problems.map((p) => p.code);
  }
}

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('EC2F-U001');
    return (error as Error).message.replace(/^EC2F-U001 /, '');
  }
  throw new Error('not refused');
}

describe('parseSetting', () => {
  it.each([
    ['switchback=automatic', { key: 'switchback', node: undefined, value: 'automatic' }],
    ['priority.node2=5', { key: 'priority', node: 'node2', value: '5' }],
    ['privateIp.node-2.a=', { key: 'privateIp', node: 'node-2.a', value: '' }],
    ['routeTables=tag:Name=a=b', { key: 'routeTables', node: undefined, value: 'tag:Name=a=b' }],
  ])('reads %s', (text, expected) => {
    // Act, Assess
    expect(parseSetting(text)).toEqual({ text, ...expected });
  });

  it.each([
    ['colour=red', /^unknown setting "colour=red"; keys: switchback \(intelligent\|automatic.*priority\.NODE \(1-999/],
    ['switchback', /^"switchback" is not key=value or key\.NODE=value; keys: /],
    ['maxRetry=5', /^"maxRetry=5": maxRetry is set for the whole cluster \(defaults\.tunables\.maxRetry\), not per resource; change it in the config file and run apply$/],
    ['restoreTimeoutSeconds=60', /defaults\.tunables\.restoreTimeoutSeconds/],
    ['missedBeats=4', /defaults\.heartbeat\.missedBeats/],
    ['group=other', /^"group=other": change "group" in the config file and run apply/],
    ['mode=eip', /keeps its mode/],
    ['priority=5', /^"priority=5": priority belongs to a member; write priority\.NODE=VALUE$/],
    ['switchback.node1=automatic', /^"switchback\.node1=automatic": switchback belongs to the resource; write switchback=VALUE$/],
  ])('refuses %s naming what is allowed', (text, message) => {
    // Act, Assess
    expect(refusal(() => parseSetting(text))).toMatch(message);
  });

  it('refuses a key given twice and an empty list', () => {
    // Act, Assess
    expect(refusal(() => parseSettings(['priority.node1=2', 'priority.node1=3']))).toBe('priority.node1 is given more than once; give each key once');
    expect(refusal(() => parseSettings([]))).toMatch(/^resource set needs at least one key=value; keys: /);
  });
});

describe('applySettings', () => {
  it('changes the resource and its members, and removes optional keys given empty', () => {
    // Prepare
    const spec = { ...webEip(), fencing: 'stop' } as Spec;

    // Act
    const edited = applySettings(spec, parseSettings(['priority.node2=5', 'privateIp.node2=', 'eni.node1=eni-0aaa9999', 'fencing=', 'switchback=intelligent']));

    // Assess
    expect(edited).toEqual({
      id: 'web-eip',
      mode: 'eip',
      allocationId: 'eipalloc-0abc1234',
      switchback: 'intelligent',
      members: [
        { node: 'node1', eni: 'eni-0aaa9999', priority: 1 },
        { node: 'node2', eni: 'eni-0bbb2222', priority: 5 },
      ],
    });
    expect(spec).toMatchObject({ fencing: 'stop', switchback: 'automatic' });
  });

  it.each([
    ['all', 'all'],
    ['', undefined],
    ['rtb-0aaa1111,rtb-0bbb2222', ['rtb-0aaa1111', 'rtb-0bbb2222']],
    ['tag:Name=ha,Tier=db', { tag: { Name: 'ha', Tier: 'db' } }],
  ])('writes routeTables=%s as the file does', (value, expected) => {
    // Act, Assess
    expect(routeTablesValue(value)).toEqual(expected);
  });

  it('refuses a member setting for a node the resource lacks', () => {
    // Act, Assess
    expect(refusal(() => applySettings(dbVip(), parseSettings(['priority.node9=5'])))).toBe('"priority.node9=5": resource "db-vip" has no member "node9"; members: node1, node2');
  });

  it.each([
    ['priority.node2=0', ['EC2F-C006']],
    ['priority.node2=2.5', ['EC2F-C006']],
    ['priority.node2=high', ['EC2F-C006']],
    ['priority.node2=1', ['EC2F-C007']],
    ['eni.node2=eth0', ['EC2F-C011']],
    ['eni.node2=eni-01234567', ['EC2F-C017']],
    ['destination=10.1.0.0/24', ['EC2F-C004']],
    ['destination=169.254.169.254/32', ['EC2F-C020']],
    ['vpcCidr=10.1.0.0/16', ['EC2F-C005']],
    ['vpcCidr=10.0.0.0/33', ['EC2F-C003']],
    ['switchback=sometimes', ['EC2F-C016']],
    ['routeTables=tbl-1', ['EC2F-C016']],
    ['vpcCidr=', []],
    ['allocationId=eipalloc-0abc1234', ['EC2F-C002']],
  ])('%s is judged as the same value in the file: %j', (text, codes) => {
    // Act
    const edited = applySettings(dbVip(), parseSettings([text]));

    // Assess
    expect(codesWith(edited)).toEqual(codes);
  });
});

describe('explainProblems', () => {
  it('names the setting behind a problem, and offers --whole-group for a group rule', () => {
    // Prepare
    const spec = dbVip();
    const settings = parseSettings(['priority.node2=0', 'switchback=automatic']);
    const error = new ConfigError([
      { code: 'EC2F-C006', path: 'resources[0].members[1].priority', message: 'priority must be between 1 and 999 (lower wins)' },
      { code: 'EC2F-C014', path: 'resources[1]', message: 'set them alike' },
    ]);

    // Act
    const explained = explainProblems(error, [spec], settings, 'db');

    // Assess
    expect(explained.problems).toEqual([
      { code: 'EC2F-C006', path: 'resources[0].members[1].priority', message: 'priority must be between 1 and 999 (lower wins) (from "priority.node2=0")' },
      { code: 'EC2F-C014', path: 'resources[1]', message: 'set them alike; add --whole-group to set it on every resource of group "db"' },
    ]);
    expect(explained.code).toBe('EC2F-C006');
  });
});
