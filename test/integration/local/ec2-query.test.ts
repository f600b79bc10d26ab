import { describe, expect, it } from 'vitest';
import { planFidelityCorrection } from '../../../src/local/aws-fidelity';
import { ec2ErrorResponse, httpStatusForEc2Error } from '../../../src/local/ec2-error-response';
import { parseEc2Request, readFilters, readList } from '../../../src/local/ec2-query';
import { checkEc2RequestLimits } from '../../../src/local/ec2-request-limits';
import { splitSetItems } from '../../../src/local/ec2-xml';
import { FaultRuleSet } from '../../../src/local/fault-rules';
import { announcedStates, instanceStateChangeEvent } from '../../../src/local/state-change-events';

const ROUTE_TABLES_XML =
  '<?xml version="1.0" encoding="utf-8"?>\n<DescribeRouteTablesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><routeTableSet>' +
  '<item><associationSet><item><main>true</main></item></associationSet><routeTableId>rtb-a</routeTableId><routeSet>' +
  '<item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state></item>' +
  '<item><destinationCidrBlock>10.1.0.10/32</destinationCidrBlock><networkInterfaceId>eni-1</networkInterfaceId><state>active</state></item>' +
  '</routeSet><tagSet/></item>' +
  '<item><associationSet/><routeTableId>rtb-b</routeTableId><routeSet>' +
  '<item><destinationCidrBlock>10.1.0.20/32</destinationCidrBlock><networkInterfaceId>eni-2</networkInterfaceId><state>active</state></item>' +
  '</routeSet><tagSet/></item>' +
  '<item><associationSet/><routeTableId>rtb-c</routeTableId><routeSet>' +
  '<item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state></item>' +
  '</routeSet><tagSet/></item>' +
  '</routeTableSet><requestId>request-id</requestId></DescribeRouteTablesResponse>';

describe('EC2 Query request parsing', () => {
  it('reads the action and flattened lists from a form body and the query string', () => {
    // Prepare
    const body = Buffer.from('Action=StopInstances&Version=2016-11-15&InstanceId.2=i-b&InstanceId.1=i-a');

    // Act
    const request = parseEc2Request('/?Extra=1', 'application/x-www-form-urlencoded; charset=utf-8', body);

    // Assess
    expect(request.action).toBe('StopInstances');
    expect(readList(request.params, 'InstanceId')).toEqual(['i-a', 'i-b']);
    expect(request.params.get('Extra')).toBe('1');
  });

  it('groups filter names and values by filter number', () => {
    // Prepare
    const params = new URLSearchParams(
      'Filter.2.Name=route.destination-cidr-block&Filter.2.Value.1=10.1.0.10/32&Filter.2.Value.2=10.1.0.11/32&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1',
    );

    // Act
    const filters = readFilters(params);

    // Assess
    expect(filters).toEqual([
      { index: '1', name: 'vpc-id', values: ['vpc-1'] },
      { index: '2', name: 'route.destination-cidr-block', values: ['10.1.0.10/32', '10.1.0.11/32'] },
    ]);
  });
});

describe('EC2 limits the proxy enforces', () => {
  const filterWith = (count: number): URLSearchParams => {
    const params = new URLSearchParams('Filter.1.Name=route.destination-cidr-block');
    for (let index = 1; index <= count; index += 1) params.append(`Filter.1.Value.${index}`, `10.9.${Math.floor(index / 250)}.${index % 250}/32`);
    return params;
  };

  it('accepts 200 filter values and refuses 201 with FilterLimitExceeded', () => {
    // Act
    const atLimit = checkEc2RequestLimits('DescribeRouteTables', filterWith(200));
    const overLimit = checkEc2RequestLimits('DescribeRouteTables', filterWith(201));

    // Assess
    expect(atLimit).toBeUndefined();
    expect(overLimit?.code).toBe('FilterLimitExceeded');
  });

  it('refuses a DescribeRouteTables page size outside 5..100', () => {
    // Act
    const tooBig = checkEc2RequestLimits('DescribeRouteTables', new URLSearchParams('MaxResults=1000'));
    const fine = checkEc2RequestLimits('DescribeRouteTables', new URLSearchParams('MaxResults=100'));

    // Assess
    expect(tooBig?.code).toBe('InvalidParameterValue');
    expect(fine).toBeUndefined();
  });
});

describe('EC2 error answers', () => {
  it('uses the status EC2 uses for each code and the Query error shape', () => {
    // Act
    const throttled = ec2ErrorResponse('RequestLimitExceeded', 'slow down <now>');

    // Assess
    expect([503, 500, 503, 400]).toEqual(['RequestLimitExceeded', 'InternalError', 'Unavailable', 'FilterLimitExceeded'].map(httpStatusForEc2Error));
    expect(throttled.status).toBe(503);
    expect(throttled.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>RequestLimitExceeded<\/Code><Message>slow down &lt;now&gt;<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/,
    );
  });
});

describe('EC2 XML set splitting', () => {
  it('finds the direct items of a set, leaving nested sets inside them', () => {
    // Act
    const split = splitSetItems(ROUTE_TABLES_XML, 'routeTableSet');

    // Assess
    expect(split?.items).toHaveLength(3);
    expect(split?.items[0]).toContain('<associationSet><item><main>true</main></item></associationSet>');
    expect(`${split?.before}${split?.items.join('')}${split?.after}`).toBe(ROUTE_TABLES_XML);
  });
});

describe('AWS-fidelity corrections', () => {
  it('ORs the values of a route destination filter, as EC2 does', () => {
    // Prepare
    const params = new URLSearchParams(
      'Action=DescribeRouteTables&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&Filter.2.Name=route.destination-cidr-block&Filter.2.Value.1=10.1.0.10/32&Filter.2.Value.2=10.1.0.20/32',
    );

    // Act
    const plan = planFidelityCorrection('DescribeRouteTables', params);
    const answer = plan?.rewriteAnswer?.(ROUTE_TABLES_XML) ?? '';

    // Assess
    expect(plan?.forwardParams?.toString()).toBe('Action=DescribeRouteTables&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1');
    expect([...answer.matchAll(/<item><associationSet[^]*?<routeTableId>(rtb-\w)</g)].map((match) => match[1])).toEqual(['rtb-a', 'rtb-b']);
  });

  it('answers route filters moto lacks, with wildcards', () => {
    // Prepare
    const params = new URLSearchParams('Filter.1.Name=route.network-interface-id&Filter.1.Value.1=eni-*');

    // Act
    const answer = planFidelityCorrection('DescribeRouteTables', params)?.rewriteAnswer?.(ROUTE_TABLES_XML) ?? '';

    // Assess
    expect(answer).toContain('rtb-a');
    expect(answer).toContain('rtb-b');
    expect(answer).not.toContain('rtb-c');
  });

  it('answers a dry run of a route change itself, since moto would carry it out', () => {
    // Act
    const plan = planFidelityCorrection('ReplaceRoute', new URLSearchParams('DryRun=true'));

    // Assess
    expect(plan?.answer?.status).toBe(412);
    expect(plan?.answer?.body).toContain('<Code>DryRunOperation</Code>');
  });
});

describe('FaultRuleSet', () => {
  it('adds up latency of matching rules and retires a rule after `times` faults', () => {
    // Prepare
    const rules = new FaultRuleSet(() => 0);
    rules.replace([
      { action: '*', latencyMs: 10 },
      { action: 'ReplaceRoute', latencyMs: 5, errorCode: 'InternalError', times: 1 },
    ]);

    // Act
    const first = rules.decide('ReplaceRoute');
    const second = rules.decide('ReplaceRoute');
    const other = rules.decide('DescribeAddresses');

    // Assess
    expect(first).toMatchObject({ latencyMs: 15, fault: { kind: 'error', code: 'InternalError' } });
    expect(second).toEqual({ latencyMs: 15 });
    expect(other).toEqual({ latencyMs: 10 });
  });

  it('fails only the share of calls given by rate', () => {
    // Prepare
    const rolls = [0.1, 0.6, 0.4, 0.9];
    const rules = new FaultRuleSet(() => rolls.shift() ?? 1);
    rules.replace([{ action: 'DescribeAddresses', hang: true, rate: 0.5 }]);

    // Act
    const faults = Array.from({ length: 4 }, () => rules.decide('DescribeAddresses').fault?.kind);

    // Assess
    expect(faults).toEqual(['hang', undefined, 'hang', undefined]);
  });
});

describe('instance state-change events', () => {
  it('announces the transitional and final state, and nothing for a no-op', () => {
    // Act
    const announced = {
      stopRunning: announcedStates('stop', 'running'),
      stopStopped: announcedStates('stop', 'stopped'),
      terminateRunning: announcedStates('terminate', 'running'),
      terminateTerminated: announcedStates('terminate', 'terminated'),
    };

    // Assess
    expect(announced).toEqual({
      stopRunning: ['stopping', 'stopped'],
      stopStopped: [],
      terminateRunning: ['shutting-down', 'terminated'],
      terminateTerminated: [],
    });
  });

  it('has the EventBridge envelope of an EC2 Instance State-change Notification', () => {
    // Act
    const event = instanceStateChangeEvent('i-0123456789abcdef0', 'stopped', { region: 'eu-west-1', time: new Date('2025-01-02T03:04:05.678Z') });

    // Assess
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '123456789012',
      time: '2025-01-02T03:04:05Z',
      region: 'eu-west-1',
      resources: ['arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0'],
      detail: { 'instance-id': 'i-0123456789abcdef0', state: 'stopped' },
    });
  });
});
