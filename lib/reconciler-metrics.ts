import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  CLUSTER_DIMENSION,
  METRICS_NAMESPACE,
  RECONCILER_METRIC_DIMENSION,
  SERVICE_DIMENSION,
  SERVICE_NAME,
  type ReconcilerMetricName,
} from '../src/names';

/*
 * The reconcile loop's custom metrics as CloudWatch sees them: namespace Ec2Failover, dimensions
 * `service` and `cluster` on all, plus the one dimension src/names.ts gives a per-group, per-node or
 * per-class metric. Alarms need the exact dimension set; dashboards search by name and cluster, so
 * they also show values (groups, nodes, classes) added after the deploy.
 */

export class ReconcilerMetrics {
  constructor(private readonly cluster: string) {}

  /** One metric: `value` names the group, node or class when the metric has that dimension. */
  public metric(name: ReconcilerMetricName, statistic: string, options: { readonly value?: string; readonly period?: Duration } = {}): Metric {
    const dimension = RECONCILER_METRIC_DIMENSION[name];
    if ((dimension === undefined) !== (options.value === undefined)) {
      throw new TypeError(`metric ${name} is ${dimension === undefined ? 'per cluster: no dimension value' : `per ${dimension}: name one`}`);
    }
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: {
        [SERVICE_DIMENSION]: SERVICE_NAME,
        [CLUSTER_DIMENSION]: this.cluster,
        ...(dimension === undefined || options.value === undefined ? {} : { [dimension]: options.value }),
      },
      statistic,
      period: options.period ?? Duration.minutes(1),
    });
  }

  /** Every series of a metric in this cluster, one line per group, node or class (dashboards only). */
  public search(name: ReconcilerMetricName, statistic: string, period: Duration = Duration.minutes(1)): MathExpression {
    const query = `Namespace="${METRICS_NAMESPACE}" MetricName="${name}" ${CLUSTER_DIMENSION}="${this.cluster}"`;
    return new MathExpression({ expression: `SEARCH('${query}', '${statistic}', ${period.toSeconds()})`, usingMetrics: {}, period, label: '' });
  }
}
