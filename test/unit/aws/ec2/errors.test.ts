import { describe, expect, it } from 'vitest';
import { Ec2FailoverError } from '../../../../src/core/errors';
import { awsError } from '../../../support/ec2-unit';
import { Ec2CallTimeoutError, Ec2ErrorCode, Ec2TerminalError, Ec2UnknownError, classifyEc2Error, type Ec2CallContext } from '../../../../src/aws/ec2/errors';

function networkError(code: string, message = `connect ${code} 127.0.0.1:443`): Error {
  return Object.assign(new Error(message), { code });
}

const replaceRoute: Ec2CallContext = {
  operation: 'ReplaceRoute',
  routeTableId: 'rtb-0aaa',
  destination: '10.1.0.10/32',
  networkInterfaceId: 'eni-0bbb',
};

describe('classifyEc2Error', () => {
  it.each([
    ['RequestLimitExceeded', 503],
    ['RequestLimitExceeded', 400],
    ['Throttling', 400],
    ['ThrottlingException', 400],
    ['RequestResourceCountExceeded', 400],
    ['InternalError', 500],
    ['Unavailable', 503],
    ['ServiceUnavailable', 503],
    ['SomethingNew', 502],
    ['RequestTimeout', 400],
    ['RequestExpired', 400],
  ])('treats %s (HTTP %i) as unknown', (name, status) => {
    // Act
    const classified = classifyEc2Error(awsError(name, status), replaceRoute);

    // Assess
    expect(classified).toMatchObject({ kind: 'unknown', awsCode: name });
  });

  it.each([
    ['TimeoutError', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    ['AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ['Ec2CallTimeoutError', new Ec2CallTimeoutError('ReplaceRoute', 3000)],
    ['ECONNRESET', networkError('ECONNRESET', 'read ECONNRESET')],
    ['ECONNREFUSED', networkError('ECONNREFUSED')],
    ['EPIPE', networkError('EPIPE', 'write EPIPE')],
    ['ETIMEDOUT', networkError('ETIMEDOUT')],
    ['socket hang up', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a wrapped network error', Object.assign(new Error('request failed'), { cause: networkError('ECONNRESET') })],
    ['an error that never reached EC2', new TypeError('Cannot read properties of undefined')],
  ])('treats %s as unknown', (_label, error) => {
    // Act
    const classified = classifyEc2Error(error, replaceRoute);

    // Assess
    expect(classified.kind).toBe('unknown');
  });

  it.each([
    ['InvalidNetworkInterfaceID.NotFound', Ec2ErrorCode.networkInterfaceNotFound, /eni-0bbb does not exist.*fix its eni in the config or recreate/],
    ['InvalidNetworkInterfaceID.Malformed', Ec2ErrorCode.networkInterfaceNotFound, /eni-0bbb/],
    ['InvalidRouteTableID.NotFound', Ec2ErrorCode.routeTableNotFound, /rtb-0aaa does not exist.*fix routeTables/],
    ['InvalidRoute.NotFound', Ec2ErrorCode.routeNotFound, /rtb-0aaa has no route for 10\.1\.0\.10\/32.*create-route/],
    ['UnauthorizedOperation', Ec2ErrorCode.notAuthorized, /not allowed to call ec2:ReplaceRoute.*grant ec2:ReplaceRoute/],
    ['AccessDeniedException', Ec2ErrorCode.notAuthorized, /ec2:ReplaceRoute/],
    ['InvalidParameterValue', Ec2ErrorCode.requestRejected, /EC2 rejected ReplaceRoute: InvalidParameterValue/],
    ['IncorrectState', Ec2ErrorCode.requestRejected, /IncorrectState/],
  ])('treats %s as terminal %s', (name, code, message) => {
    // Act
    const classified = classifyEc2Error(awsError(name, name === 'UnauthorizedOperation' ? 403 : 400), replaceRoute);

    // Assess
    expect(classified).toMatchObject({ kind: 'terminal', code, awsCode: name });
    expect(classified.message).toMatch(message);
  });

  it('reads "no route defined" in an InvalidParameterValue as a missing route, as EC2 words it', () => {
    // Prepare
    const error = awsError('InvalidParameterValue', 400, "There is no route defined for '10.1.0.10/32' in the route table. Use CreateRoute instead.");

    // Act
    const classified = classifyEc2Error(error, replaceRoute);

    // Assess
    expect(classified).toMatchObject({ kind: 'terminal', code: Ec2ErrorCode.routeNotFound });
  });

  it('names the allocation and the instance a terminal error is about', () => {
    // Act
    const allocation = classifyEc2Error(awsError('InvalidAllocationID.NotFound', 400), {
      operation: 'AssociateAddress',
      allocationId: 'eipalloc-0ccc',
      networkInterfaceId: 'eni-0bbb',
    });
    const instance = classifyEc2Error(awsError('InvalidInstanceID.NotFound', 400), { operation: 'StopInstances', instanceId: 'i-0ddd' });

    // Assess
    expect(allocation).toMatchObject({ kind: 'terminal', code: Ec2ErrorCode.allocationNotFound });
    expect(allocation.message).toMatch(/eipalloc-0ccc does not exist.*fix allocationId/);
    expect(instance).toMatchObject({ kind: 'terminal', code: Ec2ErrorCode.instanceNotFound });
    expect(instance.message).toMatch(/i-0ddd does not exist.*instanceId/);
  });

  it('builds typed errors on the product base class, with the cause kept', () => {
    // Prepare
    const cause = awsError('InvalidRoute.NotFound', 400);
    const classified = classifyEc2Error(cause, replaceRoute);
    if (classified.kind !== 'terminal') throw new Error('expected terminal');

    // Act
    const terminal = new Ec2TerminalError(classified, 'ReplaceRoute', cause);
    const unknown = new Ec2UnknownError('ReplaceRoute', 'RequestLimitExceeded', 'throttled', 4, cause);

    // Assess
    expect(terminal).toBeInstanceOf(Ec2FailoverError);
    expect(terminal.name).toBe('Ec2TerminalError');
    expect(terminal.code).toBe(Ec2ErrorCode.routeNotFound);
    expect(terminal.message.startsWith(`${Ec2ErrorCode.routeNotFound} `)).toBe(true);
    expect(terminal.detail).toBe(classified.message);
    expect(terminal.cause).toBe(cause);
    expect(unknown.name).toBe('Ec2UnknownError');
    expect(unknown.code).toBe(Ec2ErrorCode.outcomeUnknown);
    expect(unknown.attempts).toBe(4);
  });
});
