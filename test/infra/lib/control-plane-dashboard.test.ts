import { afterAll, describe, expect, it } from 'vitest';
import { OWNERSHIP_CHANGED_MESSAGE } from '../../../src/names';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';
import { cleanUpAssemblies, synthStack } from '../../support/synth';

/*
 * The dashboard an operator watches (failovers, failover time, heartbeat age per node, EC2 and
 * DynamoDB errors by class, owner and epoch over time from the logs) and the saved Logs Insights
 * queries (one group's decisions, all failovers).
 */

afterAll(() => {
  cleanUpAssemblies();
});

/** The dashboard body with its CloudFormation joins flattened (tokens as <Ref>). */
function dashboardBody(template: ReturnType<typeof synthStack>['template']): string {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  return body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part)}>`)).join('');
}

describe('control-plane dashboard', () => {
  it('draws failovers, failover time, heartbeat age of silent nodes and API errors by class', () => {
    // Act
    const body = dashboardBody(synthStack(undefined, { dashboard: true }).template);

    // Assess
    for (const title of ['Failovers per group', 'Failover time per group (s)', 'Heartbeat age of silent nodes (s)', 'EC2 errors by class', 'DynamoDB errors by class']) {
      expect(body, title).toContain(`"title":"${title}"`);
    }
    for (const metric of ['Failovers', 'FailoverSeconds', 'HeartbeatAgeSeconds', 'Ec2Errors', 'DynamoDbErrors']) {
      expect(body, metric).toContain(`SEARCH('Namespace=\\"Ec2Failover\\" MetricName=\\"${metric}\\" cluster=\\"prod-db\\"'`);
    }
  });

  it('shows owner and epoch over time from the "ownership changed" log lines', () => {
    // Act
    const body = dashboardBody(synthStack(undefined, { dashboard: true }).template);

    // Assess
    expect(body).toContain('"type":"log"');
    expect(body).toContain(`filter message = \\"${OWNERSHIP_CHANGED_MESSAGE}\\"`);
    expect(body).toMatch(/fields @timestamp, group, epoch, from, to, reason/);
  });
});

describe('saved Logs Insights queries', () => {
  it("save one group's decisions per group, and all failovers, on the reconciler's log group", () => {
    // Act
    const { template } = synthStack(undefined, { dashboard: true });

    // Assess
    const queries = Object.values(template.findResources('AWS::Logs::QueryDefinition')).map((q) => q.Properties as { Name: string; QueryString: string; LogGroupNames: unknown[] });
    expect(queries.map((q) => q.Name).sort()).toEqual(['ec2-failover/prod-db/decisions-db', 'ec2-failover/prod-db/decisions-web-eip', 'ec2-failover/prod-db/failovers']);
    const byName = new Map(queries.map((q) => [q.Name, q]));
    expect(byName.get('ec2-failover/prod-db/decisions-db')?.QueryString).toContain('filter group = "db"');
    expect(byName.get('ec2-failover/prod-db/failovers')?.QueryString).toContain(`filter message = "${OWNERSHIP_CHANGED_MESSAGE}" and reason in ["failover", "repair-failed"]`);
    for (const query of queries) expect(query.LogGroupNames).toHaveLength(1);
  });

  it('match the log line the reconcile loop writes on an ownership change', async () => {
    // Prepare
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => lines.push({ message, fields });
    const world = new SimWorld(clusterSpec(), { logger: { info: record, warn: record, error: record } });

    // Act
    await world.run(3);

    // Assess: the message and the fields the queries read.
    const changed = lines.find((l) => l.message === OWNERSHIP_CHANGED_MESSAGE);
    expect(changed?.fields).toMatchObject({ group: 'app', epoch: 1, from: null, to: 'node1', reason: 'initial' });
  });
});
