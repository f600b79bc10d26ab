import { describe, expect, it } from 'vitest';
import { readStackFacts } from '../../../src/cost/stack-facts';

/* The facts of a template: what invokes each function, with Lambda's defaults for what is left out. */

const template = {
  Resources: {
    Fn1: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 192, Architectures: ['arm64'], Timeout: 367, Environment: { Variables: { EC2F_RUN_SHAPE: 'on-demand' } } } },
    Fn2: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 256, Architectures: ['arm64'], Timeout: 15 } },
    Fn3: { Type: 'AWS::Lambda::Function', Properties: {} },
    Schedule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(5 minutes)', Targets: [{ Arn: { 'Fn::GetAtt': ['Fn1', 'Arn'] } }] } },
    Events: { Type: 'AWS::Events::Rule', Properties: { EventPattern: {}, Targets: [{ Arn: { 'Fn::GetAtt': ['Fn2', 'Arn'] } }] } },
    T1: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'c-resources', BillingMode: 'PAY_PER_REQUEST' } },
    T2: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'c-heartbeats', ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 2 } } },
    A1: { Type: 'AWS::CloudWatch::Alarm' },
    A2: { Type: 'AWS::CloudWatch::Alarm' },
    ControlPlaneMonitoringAlarmsDetailedEventsErrors0A1B2C3D: { Type: 'AWS::CloudWatch::Alarm' },
  },
};

describe('readStackFacts', () => {
  it('reads functions, their triggers and run shape, tables and counts (detailed alarms apart)', () => {
    // Act
    const facts = readStackFacts(template);

    // Assess
    expect(facts.functions).toEqual([
      { logicalId: 'Fn1', memoryMb: 192, architecture: 'arm64', timeoutSeconds: 367, trigger: 'schedule', periodSeconds: 300, runShape: 'on-demand' },
      { logicalId: 'Fn2', memoryMb: 256, architecture: 'arm64', timeoutSeconds: 15, trigger: 'events' },
      { logicalId: 'Fn3', memoryMb: 128, architecture: 'x86_64', timeoutSeconds: 3, trigger: 'deploy' },
    ]);
    expect(facts.tables).toEqual([
      { logicalId: 'T1', tableName: 'c-resources', billingMode: 'PAY_PER_REQUEST' },
      { logicalId: 'T2', tableName: 'c-heartbeats', billingMode: 'PROVISIONED', readCapacityUnits: 3, writeCapacityUnits: 2 },
    ]);
    expect(facts).toMatchObject({ alarms: 2, detailedAlarms: 1, dashboards: 0, kmsKeys: 0, metricFilters: 0 });
  });

  it('refuses what is not a control plane\'s template with EC2F-T001', () => {
    // Act
    const noResources = () => readStackFacts({ AWSTemplateFormatVersion: '2010-09-09' });
    const noSchedule = () => readStackFacts({ Resources: { Fn2: template.Resources.Fn2 } });
    const cron = () => readStackFacts({ Resources: { ...template.Resources, Schedule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'cron(* * * * ? *)', Targets: [{ Arn: { 'Fn::GetAtt': ['Fn1', 'Arn'] } }] } } } });

    // Assess
    expect(noResources).toThrow(/^EC2F-T001 not a CloudFormation template/);
    expect(noSchedule).toThrow(/^EC2F-T001 the template has no function started by a rate\(…\) schedule/);
    expect(cron).toThrow(/^EC2F-T001 the schedule "cron\(\* \* \* \* \? \*\)" is not a rate\(…\) expression/);
  });
});
