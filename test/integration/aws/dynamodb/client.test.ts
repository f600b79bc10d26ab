import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DYNAMODB_CLIENT_DEFAULTS, dynamoDbCallBudgetMs, dynamoDbDocumentClient } from '../../../../src/aws/dynamodb/client';
import { StateStoreUnavailableError } from '../../../../src/aws/dynamodb/errors';
import { DynamoHeartbeatStore } from '../../../../src/aws/dynamodb/heartbeat-store';
import { DynamoStateStore } from '../../../../src/aws/dynamodb/state-store';

/*
 * The shared DynamoDB client (reconciler Lambda, controller, CLI) against an endpoint that
 * accepts connections and never answers: every read must fail, coded, within its budget,
 * rather than stall the tick that waits for it.
 */

/** Accepts every connection and never sends a byte; counts connections. */
interface HungEndpoint {
  readonly endpoint: string;
  readonly connections: () => number;
  stop(): Promise<void>;
}

async function startHungEndpoint(): Promise<HungEndpoint> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A region no other test uses, so the shared client for it is built here, against the hung endpoint. */
const REGION = 'eu-hung-1';
/** 2 attempts × (1 s to connect + 2 s per request), the SDK's pause between them, and scheduling slack. */
const READ_BUDGET_MS = dynamoDbCallBudgetMs() + 500;

let hung: HungEndpoint;

beforeAll(async () => {
  hung = await startHungEndpoint();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = hung.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
});

afterAll(async () => {
  dynamoDbDocumentClient(REGION).destroy();
  await hung?.stop();
});

describe('dynamoDbClient', () => {
  it(
    'fails a state read against a hung endpoint within its budget, coded, instead of hanging',
    async () => {
      // Prepare
      const store = new DynamoStateStore(dynamoDbDocumentClient(REGION), 'hung');
      const started = Date.now();

      // Act
      const error = await store.read().catch((failure: unknown) => failure);
      const elapsed = Date.now() - started;

      // Assess
      expect(error).toBeInstanceOf(StateStoreUnavailableError);
      expect(error).toMatchObject({ code: 'EC2F-D006' });
      expect(String(error)).toMatch(/Timeout/i);
      expect(elapsed).toBeLessThan(READ_BUDGET_MS);
      expect(elapsed).toBeGreaterThanOrEqual(DYNAMODB_CLIENT_DEFAULTS.requestTimeoutMs);
      expect(hung.connections()).toBe(DYNAMODB_CLIENT_DEFAULTS.maxAttempts);
    },
    READ_BUDGET_MS * 2,
  );

  it(
    'fails a heartbeat read against a hung endpoint within the same budget',
    async () => {
      // Prepare
      const store = new DynamoHeartbeatStore(dynamoDbDocumentClient(REGION), 'hung');
      const started = Date.now();

      // Act
      const error = await store.readHeartbeats().catch((failure: unknown) => failure);

      // Assess
      expect(error).toMatchObject({ name: 'StateStoreUnavailableError', code: 'EC2F-D006' });
      expect(Date.now() - started).toBeLessThan(READ_BUDGET_MS);
    },
    READ_BUDGET_MS * 2,
  );
});
