import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLambdaClient, lambdaClient } from '../../../../src/aws/lambda/client';

/* The waking client: short bounds, and the endpoint the SDK's variables name. */

/** The host a call would reach; the request is stopped before it leaves the process. */
async function hostReached(client: LambdaClient): Promise<string> {
  const seen: string[] = [];
  client.middlewareStack.add(
    (_next) => async (args) => {
      const { protocol, hostname, port } = args.request as { protocol: string; hostname: string; port?: number };
      seen.push(`${protocol}//${hostname}:${port ?? ''}`);
      throw new Error('not sent');
    },
    { step: 'finalizeRequest', name: 'stopBeforeSending' },
  );
  await client.send(new GetFunctionCommand({ FunctionName: 'prod-db-reconciler' })).catch(() => undefined);
  return seen[0] ?? '';
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createLambdaClient', () => {
  it('tries twice at most, through a handler with bounds', async () => {
    // Act
    const client = createLambdaClient({ region: 'eu-west-3' });

    // Assess
    expect(await client.config.maxAttempts()).toBe(2);
    expect(await client.config.region()).toBe('eu-west-3');
    expect(client.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
  });

  it('goes where AWS_ENDPOINT_URL_LAMBDA points', async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', 'http://127.0.0.1:9001');
    // Dummy keys only so the SDK's chain resolves; nothing is sent.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');

    // Act
    const host = await hostReached(createLambdaClient({ region: 'us-east-1' }));

    // Assess
    expect(host).toBe('http://127.0.0.1:9001');
  });
});

describe('lambdaClient', () => {
  it('keeps one client per region', () => {
    // Act, Assess
    expect(lambdaClient('us-east-1')).toBe(lambdaClient('us-east-1'));
    expect(lambdaClient('eu-west-1')).not.toBe(lambdaClient('us-east-1'));
  });
});
