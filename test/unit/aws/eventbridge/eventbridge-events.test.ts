import { describe, expect, it } from 'vitest';
import { EventBridgeTransitionEvents } from '../../../../src/aws/eventbridge/eventbridge-events';
import { eventBridgeEndpoint, putEventsCall, type HttpSend } from '../../../../src/aws/eventbridge/put-events-call';
import type { TransitionEvent } from '../../../../src/core/transition-events';

/*
 * The default-bus adapter over a recorded HTTP exchange: what it signs and sends, and how it reads
 * EventBridge's answers (per-entry failures with FailedEntryCount, JSON 1.1 error bodies). No
 * network: the HTTP send is a stand-in that answers as EventBridge does.
 */

const CREDENTIALS = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });

function event(epoch: number): TransitionEvent {
  return { key: `app#${epoch}`, at: 1_700_000_000_500 + epoch, detail: { cluster: 'prod', group: 'app', from: 'node1', to: 'node2', epoch, reason: 'failover', seconds: 1.25 } };
}

interface Sent {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: { Entries: Record<string, unknown>[] };
}

function recordingSend(answer: (body: Sent['body']) => { status: number; body: unknown }): { send: HttpSend; sent: Sent[] } {
  const sent: Sent[] = [];
  const send: HttpSend = async (url, init) => {
    const body = JSON.parse(init.body) as Sent['body'];
    sent.push({ url, headers: init.headers, body });
    const { status, body: reply } = answer(body);
    return { status, text: async () => (typeof reply === 'string' ? reply : JSON.stringify(reply)) };
  };
  return { send, sent };
}

const accepted = (body: Sent['body']) => ({ status: 200, body: { FailedEntryCount: 0, Entries: body.Entries.map((_, i) => ({ EventId: `id-${i}` })) } });

function adapter(send: HttpSend): EventBridgeTransitionEvents {
  return new EventBridgeTransitionEvents(putEventsCall({ region: 'eu-west-1', credentials: CREDENTIALS, endpoint: 'https://events.eu-west-1.amazonaws.com', send }));
}

describe('EventBridgeTransitionEvents', () => {
  it('puts each event on the default bus as a signed JSON 1.1 PutEvents call, with the documented source, detail type and detail', async () => {
    // Prepare
    const { send, sent } = recordingSend(accepted);

    // Act
    const rejected = await adapter(send).publish([event(2)]);

    // Assess
    expect(rejected).toEqual([]);
    expect(sent[0]!.url).toBe('https://events.eu-west-1.amazonaws.com/');
    expect(sent[0]!.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(sent[0]!.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(sent[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/events\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(sent[0]!.body.Entries).toEqual([
      {
        Source: 'ec2-failover',
        DetailType: 'Ownership Changed',
        Detail: JSON.stringify({ cluster: 'prod', group: 'app', from: 'node1', to: 'node2', epoch: 2, reason: 'failover', seconds: 1.25 }),
        Time: 1_700_000_000,
      },
    ]);
  });

  it('sends at most 10 entries a call', async () => {
    // Prepare
    const { send, sent } = recordingSend(accepted);

    // Act
    await adapter(send).publish(Array.from({ length: 12 }, (_, i) => event(i + 1)));

    // Assess
    expect(sent.map((s) => s.body.Entries.length)).toEqual([10, 2]);
  });

  it('returns the entries EventBridge refused (FailedEntryCount > 0) and no others', async () => {
    // Prepare
    const { send } = recordingSend(() => ({
      status: 200,
      body: { FailedEntryCount: 1, Entries: [{ EventId: 'id-0' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Service Failure' }] },
    }));

    // Act
    const rejected = await adapter(send).publish([event(2), event(3)]);

    // Assess
    expect(rejected).toEqual([{ key: 'app#3', error: 'InternalFailure: Internal Service Failure' }]);
  });

  it('returns every entry of a call that failed as a whole, naming EventBridge\'s error, and still tries the next batch', async () => {
    // Prepare
    let calls = 0;
    const { send } = recordingSend((body) => {
      calls += 1;
      if (calls === 1) return { status: 400, body: { __type: 'AccessDeniedException', Message: 'User is not authorized to perform: events:PutEvents' } };
      return accepted(body);
    });

    // Act
    const rejected = await adapter(send).publish(Array.from({ length: 11 }, (_, i) => event(i + 1)));

    // Assess
    expect(rejected).toHaveLength(10);
    expect(rejected[0]!.error).toBe('EC2F-N001 PutEvents failed: AccessDeniedException (HTTP 400): User is not authorized to perform: events:PutEvents');
    expect(calls).toBe(2);
  });

  it('returns every entry when no answer came (network error or timeout)', async () => {
    // Prepare
    const send: HttpSend = async () => {
      throw new Error('The operation was aborted due to timeout');
    };

    // Act
    const rejected = await adapter(send).publish([event(2)]);

    // Assess
    expect(rejected).toEqual([{ key: 'app#2', error: 'EC2F-N001 PutEvents failed: NoAnswer: The operation was aborted due to timeout' }]);
  });
});

describe('eventBridgeEndpoint', () => {
  it('follows the SDK endpoint variables, else the region\'s public endpoint', () => {
    // Act, Assess
    expect(eventBridgeEndpoint('us-east-1', { AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL: 'http://other' })).toBe('http://127.0.0.1:5000');
    expect(eventBridgeEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe('http://127.0.0.1:4566');
    expect(eventBridgeEndpoint('us-east-1', {})).toBe('https://events.us-east-1.amazonaws.com');
    expect(eventBridgeEndpoint('cn-north-1', {})).toBe('https://events.cn-north-1.amazonaws.com.cn');
  });
});
