import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { WAKE_SOURCE } from '../../../src/names';
import { listenForWakes, type Invocation, type WakeListener } from '../../../src/process/wake-listener';

/* The local stand-in for Lambda's Invoke API, spoken to by the SDK's own client, on 127.0.0.1 only. */

let listener: WakeListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

const client = (endpoint: string) => new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });

describe('listenForWakes', () => {
  it("answers an Event invocation of its function with 202 and passes on the wake's reason and sender", async () => {
    // Prepare
    const heard: Invocation[] = [];
    listener = await listenForWakes(0, 'prod-db-reconciler', (invocation) => heard.push(invocation));

    // Act
    const answer = await client(listener.endpoint).send(
      new InvokeCommand({ FunctionName: 'prod-db-reconciler', InvocationType: 'Event', Payload: JSON.stringify({ source: WAKE_SOURCE, reason: 'owner-silent', from: 'node2' }) }),
    );

    // Assess
    expect(listener.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(answer.StatusCode).toBe(202);
    expect(heard).toEqual([{ reason: 'owner-silent', from: 'node2' }]);
  });

  it("refuses another function's name with Lambda's ResourceNotFoundException, waking nothing", async () => {
    // Prepare
    const heard: Invocation[] = [];
    listener = await listenForWakes(0, 'prod-db-reconciler', (invocation) => heard.push(invocation));

    // Act
    const sent = client(listener.endpoint).send(new InvokeCommand({ FunctionName: 'other-reconciler', InvocationType: 'Event', Payload: '{}' }));

    // Assess
    await expect(sent).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(heard).toEqual([]);
  });
});
