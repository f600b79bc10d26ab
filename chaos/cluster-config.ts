import type { DemoSeed } from '../src/local/seed-demo';
import { PROFILE } from './timing';

/** The demo cluster under a fresh name, on the campaign's scaled-down profile. */
export function chaosClusterConfig(demo: DemoSeed, cluster: string) {
  const p = PROFILE;
  return {
    ...demo.config,
    cluster,
    defaults: {
      ...demo.config.defaults,
      heartbeat: { intervalSeconds: p.heartbeatSeconds, missedBeats: p.missedBeats },
      checkIntervalSeconds: p.checkIntervalSeconds,
      driftCheckIntervalSeconds: p.driftCheckIntervalSeconds,
      tunables: {
        apiCallTimeoutSeconds: p.apiCallTimeoutSeconds,
        restoreTimeoutSeconds: p.retryBudgetSeconds,
        removeTimeoutSeconds: p.retryBudgetSeconds,
        recoverTimeoutSeconds: p.retryBudgetSeconds,
        quickCheckTimeoutSeconds: p.quickCheckTimeoutSeconds,
        maxRetry: p.maxRetry,
      },
    },
  };
}
