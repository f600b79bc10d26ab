import type { DemoClusterConfig } from '../seed-demo';

/*
 * The settings a local cluster runs at: the product's defaults (heartbeat 1 s × 3 missed,
 * judged every 1 s, drift check every 10 s), or a fast profile at a quarter of that.
 */

export interface TimingProfile {
  readonly name: 'defaults' | 'fast';
  readonly heartbeatSeconds: number;
  readonly missedBeats: number;
  readonly checkIntervalSeconds: number;
  readonly driftCheckIntervalSeconds: number;
}

export const DEFAULT_PROFILE: TimingProfile = { name: 'defaults', heartbeatSeconds: 1, missedBeats: 3, checkIntervalSeconds: 1, driftCheckIntervalSeconds: 10 };

export const FAST_PROFILE: TimingProfile = { name: 'fast', heartbeatSeconds: 0.25, missedBeats: 3, checkIntervalSeconds: 0.25, driftCheckIntervalSeconds: 1 };

/** The demo cluster under `cluster`, at `profile`, with optional resources in place of the demo's. */
export function profiledClusterConfig(
  config: DemoClusterConfig,
  cluster: string,
  profile: TimingProfile,
  resources: DemoClusterConfig['resources'] = config.resources,
): DemoClusterConfig {
  return {
    ...config,
    cluster,
    defaults: {
      ...config.defaults,
      heartbeat: { intervalSeconds: profile.heartbeatSeconds, missedBeats: profile.missedBeats },
      checkIntervalSeconds: profile.checkIntervalSeconds,
      driftCheckIntervalSeconds: profile.driftCheckIntervalSeconds,
    },
    resources,
  };
}
