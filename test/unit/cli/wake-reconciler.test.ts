import { InvokeCommand, LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { prepareWake } from '../../../src/cli/wake-reconciler';

/* The wake a command sends after its write: quiet when it works, a coded warning when it does not. */

const lambda = mockClient(LambdaClient);
const ENDPOINTS = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_LAMBDA', 'AWS_ENDPOINT_URL_DYNAMODB'] as const;

function stderr() {
  const written: string[] = [];
  return { written, stream: { write: (text: string) => written.push(text) } };
}

beforeEach(() => {
  lambda.reset();
  for (const name of ENDPOINTS) vi.stubEnv(name, undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('prepareWake', () => {
  it('invokes the cluster\'s reconciler from the cli and prints nothing', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const err = stderr();

    // Act
    await prepareWake('prod-db', 'us-east-1', err.stream)('switchover');

    // Assess
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'prod-db-reconciler', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ source: 'ec2-failover.wake', reason: 'switchover', from: 'cli' });
    expect(err.written).toEqual([]);
  });

  it('warns with the code when Lambda refuses, and resolves', async () => {
    // Prepare
    lambda.on(InvokeCommand).rejects(
      new LambdaServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'not authorized to perform: lambda:InvokeFunction' }),
    );
    const err = stderr();

    // Act
    await prepareWake('prod-db', 'us-east-1', err.stream)('maintenance');

    // Assess
    expect(err.written).toEqual([expect.stringMatching(/^warning: EC2F-F003 wake of prod-db-reconciler failed: AccessDeniedException \(HTTP 403\): this role lacks lambda:InvokeFunction on prod-db-reconciler; the next scheduled run acts instead\n$/)]);
  });

  it('sends nothing and prints nothing beside a local DynamoDB', async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', 'http://127.0.0.1:8000');
    const err = stderr();

    // Act
    await prepareWake('prod-db', 'us-east-1', err.stream)('switchover');

    // Assess
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(err.written).toEqual([]);
  });
});
