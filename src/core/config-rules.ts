/*
 * The rules and defaults more than one reader of a config applies, with no dependency at all:
 * the Lambdas' environment check, the EC2 client and the loop use them without loading the
 * config schema (zod, YAML) into their bundles.
 */

/** The cluster name names the DynamoDB tables (`<cluster>-resources`, …): the one rule every reader applies. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;
export const CLUSTER_NAME_RULE = '1-48 letters, digits, ".", "_" or "-"';
/** An AWS region such as us-east-1. */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** Timeout of one EC2 API call when the config says nothing (`defaults.tunables.apiCallTimeoutSeconds`). */
export const DEFAULT_API_CALL_TIMEOUT_SECONDS = 3;
/** Ticks when the config says nothing (`defaults.checkIntervalSeconds`). */
export const DEFAULT_CHECK_INTERVAL_SECONDS = 1;

/** How many times a heartbeat interval a standby's agent reads its owner's heartbeat (src/agent/owner-watch.ts; the cost estimate counts the reads). */
export const OWNER_LOOKS_PER_INTERVAL = 4;
