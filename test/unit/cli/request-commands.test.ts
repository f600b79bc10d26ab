import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OperatorRequest } from '../../../src/core/model';
import { runMaintenance } from '../../../src/cli/request-commands';

/*
 * A recorded request wakes the reconciler right after the write, and a failed wake changes
 * neither the request nor the exit status. The stores stand in for DynamoDB; Lambda is mocked.
 */

const recorded: OperatorRequest[] = [];

vi.mock('../../../src/cli/caller-identity', () => ({ callerIdentity: async () => 'alice@host' }));
vi.mock('../../../src/cli/cluster-context', async () => {
  const { readClusterConfig } = await import('../../../src/cli/cluster-config');
  return {
    readClusterConfig,
    clusterContextFor: (spec: unknown) => ({
      spec,
      region: 'us-east-1',
      state: {
        readStatuses: async () => new Map(),
        requestOperatorAction: async (_group: string, request: OperatorRequest) => {
          recorded.push(request);
          return { outcome: 'requested', version: 1 };
        },
      },
      history: { append: async () => undefined },
    }),
  };
});

const lambda = mockClient(LambdaClient);

async function maintenanceOn() {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } };
  const code = await runMaintenance({ config: 'examples/cluster.yaml', group: 'db', on: true }, io);
  return { code, out: out.join(''), err: err.join('') };
}

function wakeReasons(): string[] {
  return lambda.commandCalls(InvokeCommand).map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)).reason);
}

beforeEach(() => {
  lambda.reset();
  recorded.length = 0;
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('runMaintenance', () => {
  it('records the request, then wakes the reconciler', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // Act
    const result = await maintenanceOn();

    // Assess
    expect(result.code).toBe(0);
    expect(recorded).toEqual([expect.objectContaining({ kind: 'maintenance', enabled: true })]);
    expect(wakeReasons()).toEqual(['maintenance']);
    expect(lambda.commandCalls(InvokeCommand)[0]!.args[0].input.FunctionName).toBe('prod-db-reconciler');
    expect(result.err).toBe('');
  });

  it('keeps the request and exit 0 when the wake fails, warning with the code', async () => {
    // Prepare
    lambda.on(InvokeCommand).rejects(new TooManyRequestsException({ $metadata: { httpStatusCode: 429 }, message: 'Rate Exceeded.' }));

    // Act
    const result = await maintenanceOn();

    // Assess
    expect(result.code).toBe(0);
    expect(recorded).toHaveLength(1);
    expect(result.out).toContain('recorded maintenance on request');
    expect(result.err).toMatch(/^warning: EC2F-F003 wake of prod-db-reconciler failed: TooManyRequestsException \(HTTP 429\)/);
  });
});
