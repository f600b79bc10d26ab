import { Logger } from '@aws-lambda-powertools/logger';
import type { Logger as EngineLogger } from '../../src/core/logger';
import { CLUSTER_DIMENSION, SERVICE_NAME } from '../../src/names';

/*
 * The loop logs through the narrow EngineLogger; in Lambda those lines go out through the
 * Powertools logger as one JSON object each, the loop's fields (group, resource, epoch, action,
 * result, …) as top-level keys beside the Lambda context, so CloudWatch Logs Insights can filter
 * and aggregate on them (`filter group = "db" and epoch >= 7`).
 */

/** The narrow part of a Powertools logger the adapter needs. */
export type StructuredLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** A Powertools logger for the control plane; with a cluster, every line names it. */
export function clusterLogger(cluster?: string): Logger {
  return new Logger({ serviceName: SERVICE_NAME, ...(cluster === undefined ? {} : { persistentKeys: { [CLUSTER_DIMENSION]: cluster } }) });
}

/** Powertools drops keys without a value (undefined, null, ''), so absent fields simply do not appear. */
export function decisionLogger(logger: StructuredLogger): EngineLogger {
  return {
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
  };
}
