import { costLine, type CostLine } from './cost-line';
import type { PriceList } from './prices-us-east-1';
import type { RunShape } from './run-shape';
import type { UsageAssumptions } from './usage-assumptions';

/* EventBridge: the schedule's invocations and the AWS service events of the nodes, both free. */

export function eventBridgeLines(shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine[] {
  return [
    costLine('EventBridge', 'schedule invocations', shape.scheduledRunsPerMonth, prices.prices.eventBridgeScheduledInvocations, `a run every ${shape.reconciler.periodSeconds} s`),
    costLine('EventBridge', 'EC2 and alarm state events', usage.nodeEventsPerMonth, prices.prices.eventBridgeAwsServiceEvents, `assumed ${usage.nodeEventsPerMonth}`),
  ];
}
