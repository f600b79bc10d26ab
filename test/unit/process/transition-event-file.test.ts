import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TransitionEventFile } from '../../../src/process/transition-event-file';

/* The JSON-lines sink of ownership-change events: one EventBridge envelope per line. */

const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('TransitionEventFile', () => {
  it('appends one envelope per event, as a rule target receives it, in order', async () => {
    // Prepare
    const folder = mkdtempSync(join(tmpdir(), 'ec2f-event-file-'));
    folders.push(folder);
    const file = new TransitionEventFile(join(folder, 'nested', 'events.jsonl'), 'eu-west-1');
    await file.create();
    const detail = { cluster: 'prod', group: 'app', from: 'node1', to: 'node2', epoch: 2, reason: 'failover', seconds: 0.5 };

    // Act
    const rejected = await file.publish([
      { key: 'app#2', at: Date.UTC(2026, 11, 2, 10, 0, 0, 750), detail },
      { key: 'app#3', at: Date.UTC(2026, 11, 2, 10, 0, 5), detail: { ...detail, from: 'node2', to: 'node1', epoch: 3, seconds: null } },
    ]);

    // Assess
    expect(rejected).toEqual([]);
    const lines = readFileSync(join(folder, 'nested', 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      { version: '0', id: expect.any(String), 'detail-type': 'Ownership Changed', source: 'ec2-failover', time: '2026-12-02T10:00:00Z', region: 'eu-west-1', resources: [], detail },
      expect.objectContaining({ time: '2026-12-02T10:00:05Z', detail: expect.objectContaining({ epoch: 3, seconds: null }) }),
    ]);
  });
});
