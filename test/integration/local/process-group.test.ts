import { createServer, type Server } from 'node:net';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ec2FailoverError } from '../../../src/core/errors';
import { startDynamoDbLocal } from '../../../src/local/dynamodb-local';
import { startFaultProxy } from '../../../src/local/fault-proxy';
import { localClientConfig } from '../../../src/local/local-credentials';
import { httpAnswers, startMotoServer, type MotoServer } from '../../../src/local/moto-server';

async function codeOf(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(Ec2FailoverError);
    return { code: (error as Ec2FailoverError).code, message: (error as Error).message };
  }
  throw new Error('the call succeeded; a coded error was expected');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('moto launcher', () => {
  let moto: MotoServer;
  let ec2: EC2Client;

  beforeAll(async () => {
    moto = await startMotoServer();
    ec2 = new EC2Client({ ...localClientConfig(moto.endpoint), maxAttempts: 1 });
  });

  afterAll(async () => {
    ec2?.destroy();
    await moto?.stop();
  });

  it('listens on 127.0.0.1 and forgets everything on reset', async () => {
    // Prepare
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));

    // Act
    await moto.reset();

    // Assess
    const { Vpcs } = await ec2.send(new DescribeVpcsCommand({}));
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Vpcs?.map((vpc) => vpc.VpcId)).not.toContain(Vpc?.VpcId);
  });

  it('stops the process and frees the port', async () => {
    // Prepare
    const another = await startMotoServer();

    // Act
    await another.stop();

    // Assess
    expect(isRunning(another.pid)).toBe(false);
    expect(await httpAnswers(another.endpoint)).toBe(false);
  });

  it('says how to install moto when its command is missing', async () => {
    // Act
    const failure = await codeOf(startMotoServer({ command: 'moto_server_that_is_not_installed' }));

    // Assess
    expect(failure.code).toBe('EC2F-L001');
    expect(failure.message).toContain('pip install "moto[server]"');
  });

  it('reports a server that exits before answering, with its output', async () => {
    // Act
    const failure = await codeOf(startMotoServer({ command: 'false' }));

    // Assess
    expect(failure.code).toBe('EC2F-L004');
  });

  describe('with a port already taken', () => {
    let blocker: Server;
    let takenPort: number;

    beforeAll(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
      takenPort = (blocker.address() as { port: number }).port;
    });

    afterAll(async () => {
      await new Promise((resolve) => blocker.close(resolve));
    });

    it('refuses to start moto or the proxy there, with EC2F-L006', async () => {
      // Act
      const motoFailure = await codeOf(startMotoServer({ port: takenPort }));
      const proxyFailure = await codeOf(startFaultProxy({ upstream: moto.endpoint, port: takenPort }));

      // Assess
      expect(motoFailure.code).toBe('EC2F-L006');
      expect(proxyFailure.code).toBe('EC2F-L006');
    });
  });
});

describe('DynamoDB Local launcher', () => {
  it('says to install Java 17 when java is missing', async () => {
    // Act
    const failure = await codeOf(startDynamoDbLocal({ javaCommand: 'java_that_is_not_installed' }));

    // Assess
    expect(failure.code).toBe('EC2F-L002');
    expect(failure.message).toContain('openjdk-17-jre-headless');
  });
});
