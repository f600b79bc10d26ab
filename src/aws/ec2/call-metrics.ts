import type { MetricsSink } from '../../core/loop-metrics';
import { ERROR_CLASS_DIMENSION, ReconcilerMetric } from '../../names';
import type { Ec2CallFailure } from './caller';

/*
 * Every failed EC2 attempt, retried or not, counted by class: throttled (EC2's rate limits),
 * unauthorized (the control plane's own IAM), unknown (timeouts, 5xx, network) or terminal.
 */

const THROTTLED = /^(Throttl|RequestLimitExceeded|RequestThrottled|TooManyRequests)/i;
const UNAUTHORIZED = /^(UnauthorizedOperation|AccessDenied|AuthFailure)/;

export function errorClassOf(failure: Ec2CallFailure): 'throttled' | 'unauthorized' | 'unknown' | 'terminal' {
  if (THROTTLED.test(failure.awsCode)) return 'throttled';
  if (UNAUTHORIZED.test(failure.awsCode)) return 'unauthorized';
  return failure.kind;
}

/** The Ec2Cloud `onCallFailure` that counts failures into `sink`. */
export function countCallFailures(sink: MetricsSink): (failure: Ec2CallFailure) => void {
  return (failure) => sink.count(ReconcilerMetric.ec2Errors, 1, { name: ERROR_CLASS_DIMENSION, value: errorClassOf(failure) });
}
