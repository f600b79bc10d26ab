import { describe, expect, it } from 'vitest';
import { CloudWatchReadError, cloudWatchEndpoint, errorCodeOf } from '../../../../src/aws/cloudwatch/client';

/* The CloudWatch reader's endpoint and its reading of AWS JSON errors. */

describe('cloudWatchEndpoint', () => {
  it.each([
    [{}, 'us-east-1', 'https://monitoring.us-east-1.amazonaws.com'],
    [{}, 'cn-north-1', 'https://monitoring.cn-north-1.amazonaws.com.cn'],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, 'us-east-1', 'http://127.0.0.1:5000'],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:6000' }, 'us-east-1', 'http://127.0.0.1:6000'],
  ])('%j in %s is %s', (environment, region, expected) => {
    // Act, Assess
    expect(cloudWatchEndpoint(region, environment)).toBe(expected);
  });
});

describe('errorCodeOf', () => {
  it.each([
    ['the Query-compatible header', 400, { 'x-amzn-query-error': 'AccessDenied;Sender' }, '{"__type":"com.amazon.coral.service#AccessDeniedException","message":"User: x is not authorized to perform: cloudwatch:DescribeAlarms"}', 'AccessDenied', 'User: x is not authorized to perform: cloudwatch:DescribeAlarms'],
    ['the type without its namespace', 400, {}, '{"__type":"com.amazonaws.cloudwatch#InvalidNextToken","Message":"bad token"}', 'InvalidNextToken', 'bad token'],
    ['the status of a page that is no JSON', 503, {}, '<html><body>Service Unavailable</body></html>', 'HTTP503', 'Service Unavailable'],
  ])('reads %s', (_label, status, headers, body, code, message) => {
    // Act, Assess
    expect(errorCodeOf(status, headers, body)).toEqual({ code, message });
  });

  it.each([
    ['AccessDenied', true],
    ['AccessDeniedException', true],
    ['UnrecognizedClientException', true],
    ['Throttling', false],
    ['ECONNREFUSED', false],
  ])('%s is denied: %s', (code, denied) => {
    // Act, Assess
    expect(new CloudWatchReadError('DescribeAlarms', code, 'm')).toMatchObject({ code: 'EC2F-W001', awsCode: code, denied });
  });
});
