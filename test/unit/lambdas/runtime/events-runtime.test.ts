import { describe, expect, it } from 'vitest';
import { eventsRuntime } from '../../../../lambdas/runtime/runtime';

/* The events function wakes the reconciler only when the stack names one to wake (on-demand runs). */

const BASE = { CLUSTER_NAME: 'prod-db', AWS_REGION: 'us-east-1' };

describe('eventsRuntime', () => {
  it('wakes the reconciler named in its environment, as `events`', () => {
    // Act
    const runtime = eventsRuntime({ ...BASE, EC2F_RECONCILER_FUNCTION: 'prod-db-reconciler' });

    // Assess
    expect(runtime.reconciler).toMatchObject({ functionName: 'prod-db-reconciler' });
  });

  it('wakes nothing when the stack names no reconciler (resident runs)', () => {
    // Act
    const runtime = eventsRuntime(BASE);

    // Assess
    expect(runtime.reconciler).toBeUndefined();
  });
});
