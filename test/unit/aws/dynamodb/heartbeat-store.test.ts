import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { StaleHeartbeatError } from '../../../../src/aws/dynamodb/errors';
import { DynamoHeartbeatStore } from '../../../../src/aws/dynamodb/heartbeat-store';
import type { Heartbeat } from '../../../../src/core/model';

expect.extend(allCustomMatcher);
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const documents = mockClient(DynamoDBDocumentClient);
const NOW = 1_700_000_000_000;
const store = () =>
  new DynamoHeartbeatStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'prod-db', { clock: () => NOW });

const beat: Heartbeat = {
  instanceId: 'i-0123456789abcdef0',
  seq: 42,
  sentAt: NOW - 5,
  leaving: false,
  checks: [{ name: 'postgres', ok: true, required: true, detail: undefined }],
  agentVersion: undefined,
};

beforeEach(() => {
  documents.reset();
});

describe('DynamoHeartbeatStore.writeHeartbeat', () => {
  it('puts the beat only if its sequence advances, with an expiry in epoch seconds', async () => {
    // Prepare
    documents.on(PutCommand).resolves({});

    // Act
    await store().writeHeartbeat(beat, 600);

    // Assess
    expect(documents.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: 'prod-db-heartbeats',
      Item: {
        instanceId: 'i-0123456789abcdef0',
        seq: 42,
        sentAt: NOW - 5,
        leaving: false,
        checks: [{ name: 'postgres', ok: true, required: true }],
        expiresAt: NOW / 1000 + 600,
      },
      ConditionExpression: 'attribute_not_exists(#instanceId) OR #seq < :seq',
      ExpressionAttributeNames: { '#instanceId': 'instanceId', '#seq': 'seq' },
      ExpressionAttributeValues: { ':seq': 42 },
    });
  });

  it('refuses a stale or replayed sequence with a coded error', async () => {
    // Prepare
    documents.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // Act
    const write = store().writeHeartbeat(beat, 600);

    // Assess
    await expect(write).rejects.toBeInstanceOf(StaleHeartbeatError);
    await expect(write).rejects.toMatchObject({ code: 'EC2F-D003', instanceId: beat.instanceId, seq: 42 });
  });

  it('reports throttling as the store being unavailable, not as a stale beat', async () => {
    // Prepare
    documents.on(PutCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act
    const write = store().writeHeartbeat(beat, 600);

    // Assess
    await expect(write).rejects.toMatchObject({ code: 'EC2F-D006' });
  });
});

describe('DynamoHeartbeatStore.readHeartbeats', () => {
  it('drops beats whose TTL has passed though DynamoDB still returns them', async () => {
    // Prepare
    documents.on(ScanCommand).resolves({
      Items: [
        { instanceId: 'i-live', seq: 3, sentAt: 1, leaving: false, checks: [], expiresAt: NOW / 1000 + 1 },
        { instanceId: 'i-expired', seq: 9, sentAt: 1, leaving: false, checks: [], expiresAt: NOW / 1000 },
      ],
    });

    // Act
    const heartbeats = (await store().readHeartbeats()).beats;

    // Assess
    expect(heartbeats.map((h) => h.instanceId)).toEqual(['i-live']);
    expect(documents).toHaveReceivedCommandWith(ScanCommand, { TableName: 'prod-db-heartbeats', ConsistentRead: true });
  });
});
