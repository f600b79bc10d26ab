import { z } from 'zod';
import { readFilters, readList } from './ec2-query';
import { TokenBucket, type Clock, type TokenBucketSpec } from './token-bucket';

/*
 * Model of EC2's request-rate limits. Numbers come from the Amazon EC2 API reference / developer
 * guide page "Request throttling for the Amazon EC2 API" (tables "Request token bucket sizes and
 * refill rates" and "Resource token bucket sizes and refill rates"). EC2 evaluates each API on its
 * own, so every action gets its own bucket, sized by the category the action falls in.
 */

export type RequestCategory = 'non-mutating' | 'unfiltered-non-mutating' | 'mutating' | 'resource-intensive';

export const DEFAULT_CATEGORY_BUCKETS: Readonly<Record<RequestCategory, TokenBucketSpec>> = {
  'non-mutating': { capacity: 100, refillPerSecond: 20 },
  'unfiltered-non-mutating': { capacity: 50, refillPerSecond: 10 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  'resource-intensive': { capacity: 50, refillPerSecond: 5 },
};

/** Actions with a bucket of their own ("uncategorized" on the EC2 page), limited to those a failover tool or its tests touch. */
export const DEFAULT_ACTION_BUCKETS: Readonly<Record<string, TokenBucketSpec>> = {
  CreateNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  DeleteNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  ModifyNetworkInterfaceAttribute: { capacity: 100, refillPerSecond: 5 },
  AssignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  UnassignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  StartInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
};

/** Resource buckets drain by the number of instances a request touches, on top of the request bucket. */
export const DEFAULT_RESOURCE_BUCKETS: Readonly<Record<string, TokenBucketSpec>> = {
  RunInstances: { capacity: 1000, refillPerSecond: 2 },
  TerminateInstances: { capacity: 1000, refillPerSecond: 20 },
  StartInstances: { capacity: 1000, refillPerSecond: 2 },
  StopInstances: { capacity: 1000, refillPerSecond: 20 },
};

/** Describe actions that use a smaller bucket when called with neither a filter nor pagination. */
const SMALLER_BUCKET_WHEN_UNFILTERED = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);

const RESOURCE_INTENSIVE = new Set([
  'AcceptVpcPeeringConnection',
  'AuthorizeSecurityGroupIngress',
  'CancelSpotInstanceRequests',
  'CreateKeyPair',
  'CreateVpcPeeringConnection',
  'DeleteVpcPeeringConnection',
  'RejectVpcPeeringConnection',
  'RevokeSecurityGroupIngress',
  'RequestSpotInstances',
]);

const bucketSpecSchema = z.object({
  capacity: z.number().positive(),
  refillPerSecond: z.number().nonnegative(),
});

/**
 * `buckets` overrides the defaults. Keys: a category (`non-mutating`, `unfiltered-non-mutating`,
 * `mutating`, `resource-intensive`), an action name (`ReplaceRoute`), or `resource:<Action>` for a
 * resource bucket. An action key beats its category key.
 */
export const throttlingSettingsSchema = z.object({
  enabled: z.boolean(),
  buckets: z.record(z.string(), bucketSpecSchema).optional(),
});

export type ThrottlingSettings = z.infer<typeof throttlingSettingsSchema>;

export function isNonMutating(action: string): boolean {
  return /^(Describe|List|Search|Get)/.test(action);
}

export function requestCategory(action: string, params: URLSearchParams): RequestCategory {
  if (RESOURCE_INTENSIVE.has(action)) return 'resource-intensive';
  if (!isNonMutating(action)) return 'mutating';
  if (SMALLER_BUCKET_WHEN_UNFILTERED.has(action)) {
    const paginated = params.has('MaxResults') || params.has('NextToken');
    if (!paginated && readFilters(params).length === 0) return 'unfiltered-non-mutating';
  }
  return 'non-mutating';
}

function resourceCount(action: string, params: URLSearchParams): number {
  if (action === 'RunInstances') return Number(params.get('MaxCount') ?? params.get('MinCount') ?? '1') || 1;
  return Math.max(1, readList(params, 'InstanceId').length);
}

export interface ThrottleDecision {
  readonly allowed: boolean;
  /** The bucket that ran dry, for counters and messages. */
  readonly bucket?: string;
}

export interface BucketState {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly tokens: number;
}

export class Ec2Throttle {
  private settings: ThrottlingSettings = { enabled: false };
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: Clock = Date.now) {}

  configure(settings: ThrottlingSettings): void {
    this.settings = settings;
    // New limits start from full buckets, like a fresh account.
    this.buckets.clear();
  }

  current(): ThrottlingSettings {
    return this.settings;
  }

  /** Takes the tokens the request needs, or none when any of its buckets is short. */
  admit(action: string, params: URLSearchParams): ThrottleDecision {
    if (!this.settings.enabled) return { allowed: true };
    const category = requestCategory(action, params);
    const requestKey = category === 'unfiltered-non-mutating' ? `${action}#unfiltered` : action;
    const requestBucket = this.bucketFor(requestKey, this.requestSpec(action, category));
    const resourceSpec = this.resourceSpec(action);
    const resourceBucket = resourceSpec ? this.bucketFor(`resource:${action}`, resourceSpec) : undefined;
    const needed = resourceBucket ? resourceCount(action, params) : 0;

    if (!requestBucket.canTake(1)) return { allowed: false, bucket: requestKey };
    if (resourceBucket && !resourceBucket.canTake(needed)) return { allowed: false, bucket: `resource:${action}` };
    requestBucket.tryTake(1);
    resourceBucket?.tryTake(needed);
    return { allowed: true };
  }

  state(): Record<string, BucketState> {
    const snapshot: Record<string, BucketState> = {};
    for (const [key, bucket] of this.buckets) {
      snapshot[key] = { ...bucket.spec, tokens: Math.round(bucket.tokens() * 1000) / 1000 };
    }
    return snapshot;
  }

  private requestSpec(action: string, category: RequestCategory): TokenBucketSpec {
    const overrides = this.settings.buckets ?? {};
    // The unfiltered bucket is a category of its own even for actions that have an override.
    if (category === 'unfiltered-non-mutating') {
      return overrides[`${action}#unfiltered`] ?? overrides[category] ?? DEFAULT_CATEGORY_BUCKETS[category];
    }
    return overrides[action] ?? DEFAULT_ACTION_BUCKETS[action] ?? overrides[category] ?? DEFAULT_CATEGORY_BUCKETS[category];
  }

  private resourceSpec(action: string): TokenBucketSpec | undefined {
    return this.settings.buckets?.[`resource:${action}`] ?? DEFAULT_RESOURCE_BUCKETS[action];
  }

  private bucketFor(key: string, spec: TokenBucketSpec): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(spec, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
