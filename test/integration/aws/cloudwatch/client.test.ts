import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudWatchCaller, type CloudWatchCall } from '../../../../src/aws/cloudwatch/client';

/*
 * The CloudWatch reader over HTTP, against a server on 127.0.0.1 that answers as CloudWatch's
 * JSON protocol does: the request it signs, the answer it reads, the errors it names.
 */

interface Seen {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let server: Server;
let call: CloudWatchCall;
const seen: Seen[] = [];
let answer: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      seen.push({ headers: request.headers, body });
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', ...answer.headers });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  call = cloudWatchCaller({ region: 'eu-west-1', credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }), timeoutMs: 2000, endpoint });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('cloudWatchCaller', () => {
  it('sends a SigV4-signed AWS JSON 1.0 call and returns the answer', async () => {
    // Prepare
    answer = { status: 200, body: '{"MetricAlarms":[{"AlarmName":"a"}],"CompositeAlarms":[]}' };

    // Act
    const output = await call('DescribeAlarms', { AlarmTypes: ['MetricAlarm'], MaxRecords: 100 });

    // Assess
    expect(output).toEqual({ MetricAlarms: [{ AlarmName: 'a' }], CompositeAlarms: [] });
    const { headers, body } = seen.at(-1)!;
    expect(JSON.parse(body)).toEqual({ AlarmTypes: ['MetricAlarm'], MaxRecords: 100 });
    expect(headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms' });
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/monitoring\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/);
  });

  it.each([
    ['a denied call', { status: 400, headers: { 'x-amzn-query-error': 'AccessDenied;Sender' }, body: '{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized to perform: cloudwatch:DescribeAlarms"}' }, { awsCode: 'AccessDenied', denied: true }],
    ['a throttled call', { status: 400, body: '{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate exceeded"}' }, { awsCode: 'ThrottlingException', denied: false }],
    ['a server error', { status: 503, body: '<html>Service Unavailable</html>' }, { awsCode: 'HTTP503', denied: false, reason: 'Service Unavailable' }],
  ])('turns %s into a CloudWatchReadError (EC2F-W001)', async (_label, reply, expected) => {
    // Prepare
    answer = reply;

    // Act
    const read = call('DescribeAlarms', {});

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'CloudWatchReadError', code: 'EC2F-W001', ...expected });
  });

  it('names a refused connection', async () => {
    // Prepare
    const closed = cloudWatchCaller({ region: 'eu-west-1', credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }), timeoutMs: 2000, endpoint: 'http://127.0.0.1:9' });

    // Act, Assess
    await expect(closed('DescribeAlarms', {})).rejects.toMatchObject({ code: 'EC2F-W001', awsCode: 'ECONNREFUSED', denied: false });
  });
});
