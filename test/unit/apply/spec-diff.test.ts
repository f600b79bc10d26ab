import { describe, expect, it } from 'vitest';
import { historySortKey } from '../../../src/aws/dynamodb/history-store';
import { diffValues, formatFieldChange } from '../../../src/apply/spec-diff';
import { canonicalJson, specHash } from '../../../src/apply/spec-hash';
import { clusterTables } from '../../../src/names';

describe('spec hashing', () => {
  it('hashes the same spec the same whatever its key order', () => {
    // Prepare
    const a = { id: 'web-eip', members: [{ node: 'node1', priority: 1 }], mode: 'eip' };
    const b = { mode: 'eip', members: [{ priority: 1, node: 'node1' }], id: 'web-eip', absent: undefined };

    // Act
    const hashes = [specHash(a), specHash(b)];

    // Assess
    expect(hashes[0]).toBe(hashes[1]);
    expect(canonicalJson(b)).toBe('{"id":"web-eip","members":[{"node":"node1","priority":1}],"mode":"eip"}');
  });
});

describe('diffValues', () => {
  it('names each changed, added and removed field by its config path', () => {
    // Prepare
    const stored = { id: 'web-eip', switchback: 'automatic', members: [{ node: 'node1', priority: 1 }, { node: 'node2', priority: 10 }] };
    const config = { id: 'web-eip', members: [{ node: 'node1', priority: 1 }, { node: 'node2', priority: 20, privateIp: '10.0.2.15' }] };

    // Act
    const lines = diffValues(stored, config).map(formatFieldChange);

    // Assess
    expect(lines).toEqual(['members[1].priority 10 → 20', 'members[1].privateIp (none) → 10.0.2.15', 'switchback automatic → (none)']);
  });

  it('finds nothing between equal documents', () => {
    // Act
    const changes = diffValues({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] });

    // Assess
    expect(changes).toEqual([]);
  });
});

describe('history sort keys', () => {
  it('sort like time, then like append order within one millisecond', () => {
    // Prepare
    const keys = [historySortKey(1_000, 2, 'ffff'), historySortKey(999, 7, '0000'), historySortKey(1_000, 10, '0000')];

    // Act
    const sorted = [...keys].sort();

    // Assess
    expect(sorted).toEqual([keys[1], keys[0], keys[2]]);
  });
});

describe('clusterTables', () => {
  it('names the three tables after the cluster, billed on demand', () => {
    // Act
    const tables = clusterTables('prod-db');

    // Assess
    expect(tables.map((t) => [t.tableName, t.partitionKey.name, t.sortKey?.name, t.ttlAttribute, t.billingMode])).toEqual([
      ['prod-db-resources', 'pk', undefined, 'expiresAt', 'PAY_PER_REQUEST'],
      ['prod-db-heartbeats', 'instanceId', undefined, 'expiresAt', 'PAY_PER_REQUEST'],
      ['prod-db-history', 'group', 'seq', 'expiresAt', 'PAY_PER_REQUEST'],
    ]);
  });
});
