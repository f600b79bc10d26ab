import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricDimension, MetricsSink } from '../core/loop-metrics';
import { CLUSTER_DIMENSION, METRICS_NAMESPACE, SERVICE_NAME } from '../names';

/*
 * The loop's figures as CloudWatch Embedded Metric Format lines (Powertools metrics), in Lambda
 * and in the controller alike: CloudWatch Logs turns them into metrics with no API call. A metric
 * with a dimension of its own goes out on its own line, as EMF needs one dimension set per line.
 */

export function clusterMetrics(cluster: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { [CLUSTER_DIMENSION]: cluster } });
}

export function emfSink(metrics: Metrics): MetricsSink {
  const add = (unit: (typeof MetricUnit)[keyof typeof MetricUnit]) => (name: string, value: number, dimension?: MetricDimension) => {
    if (dimension === undefined) {
      metrics.addMetric(name, unit, value);
      return;
    }
    const single = metrics.singleMetric();
    single.addDimension(dimension.name, dimension.value);
    single.addMetric(name, unit, value);
  };
  return {
    count: add(MetricUnit.Count),
    seconds: add(MetricUnit.Seconds),
    // A tick with nothing to report prints nothing (Powertools would warn of empty metrics).
    flush: () => {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}
