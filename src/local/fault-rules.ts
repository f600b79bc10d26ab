import { z } from 'zod';

/**
 * What the proxy does to calls of one action (or `*`): add latency, fail a share of them with an
 * EC2 error code, or hang them (no answer until the client gives up or the proxy stops).
 */
export const faultRuleSchema = z
  .object({
    action: z.string().min(1),
    latencyMs: z.number().int().nonnegative().optional(),
    errorCode: z.string().regex(/^[A-Za-z][A-Za-z0-9.]*$/).optional(),
    errorMessage: z.string().optional(),
    /** HTTP status to answer with; by default the one EC2 uses for `errorCode`. */
    errorStatus: z.number().int().min(400).max(599).optional(),
    hang: z.boolean().optional(),
    /** Share (0..1) of matching calls that get the error or the hang; 1 when left out. */
    rate: z.number().min(0).max(1).optional(),
    /** The rule retires after serving this many errors or hangs. */
    times: z.number().int().positive().optional(),
  })
  .strict()
  .refine((rule) => !(rule.errorCode !== undefined && rule.hang === true), { message: 'a rule either fails or hangs, not both' })
  .refine((rule) => rule.latencyMs !== undefined || rule.errorCode !== undefined || rule.hang === true, {
    message: 'a rule needs latencyMs, errorCode or hang',
  });

export const faultRuleListSchema = z.array(faultRuleSchema);

export type FaultRule = z.infer<typeof faultRuleSchema>;

export type InjectedFault =
  | { readonly kind: 'error'; readonly code: string; readonly message: string; readonly status?: number }
  | { readonly kind: 'hang' };

export interface FaultDecision {
  readonly latencyMs: number;
  readonly fault?: InjectedFault;
}

interface ActiveRule {
  readonly rule: FaultRule;
  faultsServed: number;
}

export class FaultRuleSet {
  private rules: ActiveRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  replace(rules: readonly FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, faultsServed: 0 }));
  }

  add(rules: readonly FaultRule[]): void {
    this.rules.push(...rules.map((rule) => ({ rule, faultsServed: 0 })));
  }

  clear(): void {
    this.rules = [];
  }

  list(): Array<FaultRule & { faultsServed: number }> {
    return this.rules.map(({ rule, faultsServed }) => ({ ...rule, faultsServed }));
  }

  /** Latency adds up over all matching rules; the first matching rule whose dice roll hits decides the fault. */
  decide(action: string): FaultDecision {
    const matching = this.rules.filter(({ rule }) => rule.action === '*' || rule.action === action);
    const latencyMs = matching.reduce((sum, { rule }) => sum + (rule.latencyMs ?? 0), 0);
    for (const active of matching) {
      const { rule } = active;
      if (rule.errorCode === undefined && rule.hang !== true) continue;
      if (rule.times !== undefined && active.faultsServed >= rule.times) continue;
      if (this.random() >= (rule.rate ?? 1)) continue;
      active.faultsServed += 1;
      if (rule.hang === true) return { latencyMs, fault: { kind: 'hang' } };
      return {
        latencyMs,
        fault: {
          kind: 'error',
          code: rule.errorCode as string,
          message: rule.errorMessage ?? `${rule.errorCode} injected by the ec2-failover fault proxy`,
          status: rule.errorStatus,
        },
      };
    }
    return { latencyMs };
  }
}
