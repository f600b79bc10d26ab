import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentAgentLogger } from '../../../src/agent/agent-logger';
import { ImdsClient, imdsEndpointFromEnvironment, DEFAULT_IMDS_ENDPOINT } from '../../../src/agent/imds-client';
import { discoverIdentity } from '../../../src/agent/node-identity';
import { startImdsStandIn, type ImdsStandIn } from '../../../src/local/imds-stand-in';

/* The IMDSv2 client and identity discovery against the local IMDS stand-in (127.0.0.1). */

let imds: ImdsStandIn;

beforeAll(async () => {
  imds = await startImdsStandIn({
    instanceId: 'i-0123456789abcdef0',
    region: 'eu-west-1',
    interfaces: [
      { mac: '0a:1b:2c:3d:4e:5f', eni: 'eni-0aaa000000000001', deviceNumber: 0, localIpv4s: ['10.0.1.10'] },
      { mac: '0a:1b:2c:3d:4e:60', eni: 'eni-0aaa000000000002', deviceNumber: 1, localIpv4s: ['10.0.2.10', '10.0.2.11'] },
    ],
  });
});

afterAll(async () => {
  await imds?.stop();
});

describe('discoverIdentity', () => {
  it('reads the instance id, the region and every attached ENI with its MAC, device number and addresses', async () => {
    // Act
    const identity = await discoverIdentity(new ImdsClient(imds.endpoint), {}, silentAgentLogger);

    // Assess
    expect(identity).toEqual({
      instanceId: 'i-0123456789abcdef0',
      region: 'eu-west-1',
      interfaces: [
        { mac: '0a:1b:2c:3d:4e:5f', eni: 'eni-0aaa000000000001', deviceNumber: 0, localIpv4s: ['10.0.1.10'] },
        { mac: '0a:1b:2c:3d:4e:60', eni: 'eni-0aaa000000000002', deviceNumber: 1, localIpv4s: ['10.0.2.10', '10.0.2.11'] },
      ],
    });
    expect(imds.unauthorized).toBe(0);
  });

  it('takes the instance id and region from flags instead of asking', async () => {
    // Prepare
    const asked = imds.requests.length;

    // Act
    const identity = await discoverIdentity(new ImdsClient(imds.endpoint), { instanceId: 'i-0fedcba987654321f', region: 'us-west-2' }, silentAgentLogger);

    // Assess
    expect(identity).toMatchObject({ instanceId: 'i-0fedcba987654321f', region: 'us-west-2' });
    expect(imds.requests.slice(asked).some((r) => r.endsWith('/instance-id') || r.endsWith('/placement/region'))).toBe(false);
  });
});

describe('ImdsClient', () => {
  it('uses one session token, and gets a new one when it is refused', async () => {
    // Prepare
    const client = new ImdsClient(imds.endpoint);
    await client.metadata('instance-id');
    const tokensBefore = imds.requests.filter((r) => r.startsWith('PUT')).length;

    // Act
    await client.metadata('placement/region');
    imds.revokeTokens();
    const region = await client.metadata('placement/region');

    // Assess
    expect(region).toBe('eu-west-1');
    expect(imds.requests.filter((r) => r.startsWith('PUT')).length).toBe(tokensBefore + 1);
  });

  it('throws EC2F-G005 naming what it could not read', async () => {
    // Act
    const missing = new ImdsClient(imds.endpoint, { attempts: 2 }).metadata('no/such/path', 'the answer');

    // Assess
    await expect(missing).rejects.toMatchObject({ code: 'EC2F-G005', message: expect.stringContaining('cannot read the answer') });
  });

  it('follows AWS_EC2_METADATA_SERVICE_ENDPOINT, as the SDK does', () => {
    // Assess
    expect(imdsEndpointFromEnvironment({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1338' })).toBe('http://127.0.0.1:1338');
    expect(imdsEndpointFromEnvironment({})).toBe(DEFAULT_IMDS_ENDPOINT);
  });
});
