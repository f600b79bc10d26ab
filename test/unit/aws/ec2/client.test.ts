import { DescribeRouteTablesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEc2Client, sharedEc2Client } from '../../../../src/aws/ec2/client';

const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/** The URL a call would go to, read before it leaves the process (no network in unit tests). */
async function targetOf(client: EC2Client): Promise<string> {
  let target = '';
  client.middlewareStack.add(
    () => async (args) => {
      const request = args.request as { protocol: string; hostname: string; port?: number };
      target = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
      throw new Error('stopped before sending');
    },
    { step: 'build', name: 'captureTarget' },
  );
  await client.send(new DescribeRouteTablesCommand({})).catch(() => undefined);
  return target;
}

describe('createEc2Client', () => {
  const saved: Partial<Record<(typeof ENDPOINT_VARIABLES)[number], string>> = {};

  beforeEach(() => {
    for (const name of ENDPOINT_VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    // Dummy keys only so the SDK's chain resolves in a sandbox; the client code names none.
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  });

  afterEach(() => {
    for (const name of ENDPOINT_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('leaves retrying to Ec2Cloud and uses the region it is given', async () => {
    // Act
    const client = createEc2Client({ region: 'eu-west-3', apiCallTimeoutSeconds: 2 });

    // Assess
    expect(await client.config.maxAttempts()).toBe(1);
    expect(await client.config.region()).toBe('eu-west-3');
    expect(client.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(await targetOf(client)).toBe('https://ec2.eu-west-3.amazonaws.com');
  });

  it('honours AWS_ENDPOINT_URL_EC2 over AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL alone', async () => {
    // Prepare
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4000';
    process.env.AWS_ENDPOINT_URL_EC2 = 'http://127.0.0.1:4566';

    // Act
    const specific = await targetOf(createEc2Client({ region: 'us-east-1' }));
    delete process.env.AWS_ENDPOINT_URL_EC2;
    const general = await targetOf(createEc2Client({ region: 'us-east-1' }));

    // Assess
    expect(specific).toBe('http://127.0.0.1:4566');
    expect(general).toBe('http://127.0.0.1:4000');
  });
});

describe('sharedEc2Client', () => {
  it('creates one client per process for the same options', () => {
    // Act
    const first = sharedEc2Client({ region: 'us-east-1' });
    const again = sharedEc2Client({ region: 'us-east-1' });
    const elsewhere = sharedEc2Client({ region: 'eu-west-1' });

    // Assess
    expect(again).toBe(first);
    expect(elsewhere).not.toBe(first);
  });
});
