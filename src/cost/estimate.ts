import type { ClusterSpec } from '../core/model';
import { cloudWatchLines } from './cloudwatch-lines';
import type { CostLine, CostOption } from './cost-line';
import { dynamoDbLines } from './dynamodb-lines';
import { eventBridgeLines } from './eventbridge-lines';
import { kmsLines } from './kms-lines';
import { lambdaLines } from './lambda-lines';
import { US_EAST_1_PRICES, type PriceList } from './prices-us-east-1';
import { runShape, type RunShape } from './run-shape';
import type { StackFacts } from './stack-facts';
import { tableCapacityOption } from './table-capacity-option';
import { DEFAULT_USAGE_ASSUMPTIONS, type UsageAssumptions } from './usage-assumptions';

/*
 * The monthly cost estimate of one cluster's control plane: the validated config and the facts of
 * its synthesized template in, one line per billed item and the total out. Pure: no SDK, no CDK.
 */

export interface CostEstimate {
  readonly cluster: string;
  readonly region: string;
  /** The region and date of the prices used. */
  readonly prices: { readonly region: string; readonly takenOn: string };
  readonly monthSeconds: number;
  readonly shape: Omit<RunShape, 'reconciler'> & { readonly memoryMb: number; readonly architecture: string; readonly periodSeconds: number };
  readonly lines: readonly CostLine[];
  /** What costs money and can be turned on or off: the lines' options, and the other way to bill the tables. */
  readonly options: readonly CostOption[];
  readonly totalUsd: number;
}

export interface EstimateInput {
  readonly spec: ClusterSpec;
  readonly facts: StackFacts;
  /** @default US_EAST_1_PRICES */
  readonly prices?: PriceList | undefined;
  /** @default DEFAULT_USAGE_ASSUMPTIONS */
  readonly usage?: UsageAssumptions | undefined;
}

export function estimateCost(input: EstimateInput): CostEstimate {
  const { spec, facts } = input;
  const prices = input.prices ?? US_EAST_1_PRICES;
  const usage = input.usage ?? DEFAULT_USAGE_ASSUMPTIONS;
  const shape = runShape(facts, spec, usage);
  const lines = [
    ...lambdaLines(facts, shape, usage, prices),
    ...dynamoDbLines(facts, spec, shape, usage, prices),
    ...cloudWatchLines(facts, spec, shape, usage, prices),
    ...kmsLines(facts, prices),
    ...eventBridgeLines(shape, usage, prices),
  ];
  const { reconciler, ...rest } = shape;
  return {
    cluster: spec.cluster,
    region: spec.region,
    prices: { region: prices.region, takenOn: prices.takenOn },
    monthSeconds: usage.monthSeconds,
    shape: { ...rest, memoryMb: reconciler.memoryMb, architecture: reconciler.architecture, periodSeconds: reconciler.periodSeconds! },
    lines,
    options: [...lines.flatMap((line) => (line.option ? [line.option] : [])), tableCapacityOption(facts, spec, shape, usage, prices)],
    totalUsd: lines.reduce((sum, line) => sum + line.monthlyUsd, 0),
  };
}
