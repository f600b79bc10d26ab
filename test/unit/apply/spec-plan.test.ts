import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planApply, type ApplyPlan } from '../../../src/apply/spec-plan';
import type { ResourcesTableContents } from '../../../src/aws/dynamodb/state-scan';
import type { ClusterItem, ResourceItem } from '../../../src/aws/dynamodb/state-items';
import { clusterConfigSchema, type ClusterConfig } from '../../../src/core/config';

/* The apply's plan, without DynamoDB: what changes, what conflicts, which transactions. */

const example = () => parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8'));
const configOf = (document: unknown): ClusterConfig => clusterConfigSchema.parse(document);
const EMPTY: ResourcesTableContents = { resources: [] };

/** The store after a plan's Puts, as DynamoDB would hold them. */
function storedAfter(plan: ApplyPlan): { cluster?: ClusterItem; resources: ResourceItem[] } {
  const items = plan.transactions.flat().map((a) => (a as { Put?: { Item: Record<string, unknown> } }).Put?.Item).filter((i) => i !== undefined);
  return {
    cluster: items.find((i) => i.kind === 'cluster') as unknown as ClusterItem,
    resources: items.filter((i) => i.kind === 'resource') as unknown as ResourceItem[],
  };
}

const plan = (document: unknown, stored: ResourcesTableContents, prune = false) => planApply({ config: configOf(document), stored, prune, writer: 'test', now: 1_000 });

describe('planApply', () => {
  it('adds the cluster item and every resource in one transaction to an empty store', () => {
    // Act
    const result = plan(example(), EMPTY);

    // Assess
    expect(result.changes.map((c) => `${c.change} ${c.item.kind} ${c.item.id}`)).toEqual(['added cluster prod-db', 'added resource db-vip', 'added resource web-eip']);
    expect(result.conflicts).toEqual([]);
    expect(result.transactions).toHaveLength(1);
    expect(result.transactions[0]!.map((a) => Object.keys(a)[0])).toEqual(['Put', 'Put', 'Put']);
  });

  it('plans nothing for a store that already matches', () => {
    // Act
    const again = plan(example(), storedAfter(plan(example(), EMPTY)));

    // Assess
    expect(again.changes.every((c) => c.change === 'unchanged')).toBe(true);
    expect(again.transactions).toEqual([]);
  });

  it('reports a field changed by another writer as a conflict, and still plans the update', () => {
    // Prepare
    const stored = storedAfter(plan(example(), EMPTY));
    const edited = { ...stored, resources: stored.resources.map((r) => (r.resourceId === 'db-vip' ? { ...r, specHash: 'edited', lastWriter: 'cli:bob' } : r)) };

    // Act
    const result = plan(example(), edited);

    // Assess
    expect(result.conflicts).toEqual([{ item: 'resource db-vip', lastWriter: 'cli:bob', fields: [] }]);
    expect(result.transactions.flat()).toHaveLength(1);
  });

  it("gives a resource joining an owned group the group's status and moves every member's version on", () => {
    // Prepare
    const stored = storedAfter(plan(example(), EMPTY));
    const owned = { ...stored, resources: stored.resources.map((r) => (r.group === 'db' ? { ...r, owner: 'node1', epoch: 2, version: 5 } : r)) };
    const document = example();
    document.resources[1].group = 'db';
    delete document.resources[1].switchback;

    // Act
    const result = plan(document, owned);

    // Assess
    expect(result.changes.find((c) => c.item.id === 'web-eip')).toMatchObject({ change: 'changed', note: 'joins group db: takes its status (owner node1, epoch 2)' });
    const updates = result.transactions.flat().map((a) => (a as { Update: { Key: { pk: string }; ExpressionAttributeValues: Record<string, unknown> } }).Update);
    expect(updates.map((u) => [u.Key.pk, Object.values(u.ExpressionAttributeValues).includes(6)])).toEqual([
      ['resource#db-vip', true],
      ['resource#web-eip', true],
    ]);
  });

  it('keeps a resource left out of the config unless pruned, and then deletes it conditionally', () => {
    // Prepare
    const stored = storedAfter(plan(example(), EMPTY));
    const document = example();
    document.resources = document.resources.slice(0, 1);

    // Act
    const kept = plan(document, stored);
    const pruned = plan(document, stored, true);

    // Assess
    expect(kept.changes.at(-1)).toEqual({ item: { kind: 'resource', id: 'web-eip' }, change: 'removed', pruned: false });
    expect(kept.transactions).toEqual([]);
    expect(pruned.transactions.flat()).toEqual([
      { Delete: expect.objectContaining({ Key: { pk: 'resource#web-eip' }, ConditionExpression: '#specHash = :readSpecHash' }) },
    ]);
  });
});
