import type { CloudObservation, ClusterSpec } from '../core/model';

/*
 * EC2 as the CLI reads it: the reconciler's own observation (Ec2Cloud.observe: few calls,
 * constant in the number of resources, unknowns reported rather than thrown), bounded for a
 * person waiting at a terminal. The EC2 client is loaded only by the commands that read EC2.
 */

/** A person waits: an observation gives up after this long and reports the state unknown. */
const CLI_OBSERVE_BUDGET_SECONDS = 5;

export type CloudReader = () => Promise<CloudObservation>;

export async function cloudReader(spec: ClusterSpec, region: string): Promise<CloudReader> {
  const [{ sharedEc2Client }, { Ec2Cloud }] = await Promise.all([import('../aws/ec2/client'), import('../aws/ec2/ec2-cloud')]);
  const tunables = spec.defaults.tunables;
  const cloud = new Ec2Cloud(sharedEc2Client({ region, apiCallTimeoutSeconds: tunables.apiCallTimeoutSeconds }));
  const bounded: ClusterSpec = {
    ...spec,
    defaults: { ...spec.defaults, tunables: { ...tunables, quickCheckTimeoutSeconds: Math.min(tunables.quickCheckTimeoutSeconds, CLI_OBSERVE_BUDGET_SECONDS) } },
  };
  return () => cloud.observe(bounded);
}

/** SIGINT/SIGTERM as an abort signal, for commands that follow something until stopped. */
export function interruptSignal(given: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  if (given !== undefined) return { signal: given, dispose: () => undefined };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
