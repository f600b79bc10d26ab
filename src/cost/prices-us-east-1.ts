/*
 * The list prices the cost estimate uses: US East (N. Virginia), on-demand, no free tier, no
 * savings plan, as published on 2026-12-02, each with the page it was read from. A price read
 * from a third-party page says so: the official pages did not show the figure in the copy that
 * could be read that day. Change a price here, with its source, and every estimate follows.
 */

export interface ListPrice {
  /** US dollars for `per` units. */
  readonly usd: number;
  readonly per: number;
  /** What is counted: singular when `per` is 1 (`GB-second`), plural otherwise (`requests`). */
  readonly unit: string;
  /** Where the figure was read. */
  readonly source: string;
}

export interface PriceList {
  readonly region: string;
  /** The day the prices were read (ISO date). */
  readonly takenOn: string;
  readonly prices: Readonly<Record<PriceName, ListPrice>>;
}

export type PriceName =
  | 'lambdaRequests'
  | 'lambdaArmGbSecond'
  | 'lambdaX86GbSecond'
  | 'dynamoDbWriteRequestUnits'
  | 'dynamoDbReadRequestUnits'
  | 'dynamoDbWriteCapacityUnitHours'
  | 'dynamoDbReadCapacityUnitHours'
  | 'cloudWatchCustomMetrics'
  | 'cloudWatchStandardAlarms'
  | 'cloudWatchDashboards'
  | 'cloudWatchLogsIngestion'
  | 'kmsKeyMonths'
  | 'kmsRequests'
  | 'eventBridgeScheduledInvocations'
  | 'eventBridgeAwsServiceEvents'
  | 'eventBridgeCustomEvents';

const LAMBDA_NOTES = 'https://git.mcrn.ar/mariano/lambda_local_runner/src/commit/957e45b8adae23ce50b966346229585b5df18b4d/docs/lambdas-md/lambda-13-cost.md (third party)';
const LAMBDA_TIERS = 'https://cloudchipr.com/blog/aws-lambda-pricing (third party, US East, first pricing tier)';
const DYNAMODB_ON_DEMAND = 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (third party, "Pricing Structure (US East Region)")';
const DYNAMODB_PROVISIONED =
  'https://www.rubydoc.info/gems/dynamo-autoscale/0.3.5/DynamoAutoscale/UnitCost (third party, us-east-1: $0.0065 per 10 WCU-hours, $0.0065 per 50 RCU-hours, read from aws.amazon.com/dynamodb/pricing when written; no newer figure was found)';
const EVENTBRIDGE = 'https://www.wring.co/blog/aws-eventbridge-pricing-guide (third party)';

export const US_EAST_1_PRICES: PriceList = {
  region: 'us-east-1',
  takenOn: '2026-12-02',
  prices: {
    lambdaRequests: { usd: 0.2, per: 1_000_000, unit: 'requests', source: LAMBDA_NOTES },
    lambdaArmGbSecond: { usd: 0.0000133334, per: 1, unit: 'GB-second (arm64)', source: `${LAMBDA_TIERS}; ${LAMBDA_NOTES}` },
    lambdaX86GbSecond: { usd: 0.0000166667, per: 1, unit: 'GB-second (x86_64)', source: `${LAMBDA_TIERS}; ${LAMBDA_NOTES}` },
    dynamoDbWriteRequestUnits: { usd: 0.625, per: 1_000_000, unit: 'write request units', source: DYNAMODB_ON_DEMAND },
    dynamoDbReadRequestUnits: { usd: 0.125, per: 1_000_000, unit: 'read request units', source: DYNAMODB_ON_DEMAND },
    dynamoDbWriteCapacityUnitHours: { usd: 0.00065, per: 1, unit: 'WCU-hour', source: DYNAMODB_PROVISIONED },
    dynamoDbReadCapacityUnitHours: { usd: 0.00013, per: 1, unit: 'RCU-hour', source: DYNAMODB_PROVISIONED },
    cloudWatchCustomMetrics: { usd: 0.3, per: 1, unit: 'metric-month (first 10,000)', source: 'https://signoz.io/guides/cloudwatch-pricing (third party)' },
    cloudWatchStandardAlarms: { usd: 0.1, per: 1, unit: 'standard-resolution alarm-month', source: 'https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm (third party)' },
    cloudWatchDashboards: {
      usd: 3,
      per: 1,
      unit: 'dashboard-month',
      source: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/ (third party, "dashboards at $3 each")',
    },
    cloudWatchLogsIngestion: {
      usd: 0.5,
      per: 1,
      unit: 'GB ingested',
      source: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/ (third party, "Logs ingestion at $0.50/GB")',
    },
    kmsKeyMonths: { usd: 1, per: 1, unit: 'key-month', source: 'https://aws.amazon.com/kms/pricing/ ("Each AWS KMS key that you create in KMS costs $1/month")' },
    kmsRequests: { usd: 0.03, per: 10_000, unit: 'requests', source: 'https://www.wring.co/blog/aws-kms-pricing-guide (third party)' },
    eventBridgeScheduledInvocations: { usd: 0, per: 1, unit: 'scheduled rule invocation', source: `${EVENTBRIDGE}: AWS service events are free` },
    eventBridgeAwsServiceEvents: { usd: 0, per: 1, unit: 'AWS service event', source: `${EVENTBRIDGE}: AWS service events are free` },
    eventBridgeCustomEvents: { usd: 1, per: 1_000_000, unit: 'custom events (PutEvents)', source: EVENTBRIDGE },
  },
};

/** What `quantity` units cost at `price`. */
export function priced(price: ListPrice, quantity: number): number {
  return (quantity / price.per) * price.usd;
}
