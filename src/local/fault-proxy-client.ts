import type { BucketState, ThrottlingSettings } from './ec2-throttling';
import { PROXY_ADMIN_PREFIX, type InstanceStateChangeResult, type ProxyInfo } from './fault-proxy-admin';
import type { ProxyCounters } from './fault-proxy-counters';
import type { FaultRule } from './fault-rules';
import { LocalErrorCode, localError } from './local-errors';

export type ActiveFaultRule = FaultRule & { readonly faultsServed: number };

export type ThrottlingState = ThrottlingSettings & { readonly state: Record<string, BucketState> };

/** Drives a fault proxy's admin API over HTTP, from tests or from another process. */
export class FaultProxyClient {
  private readonly adminBase: string;

  /** `endpoint` is the proxy's EC2 endpoint, e.g. `http://127.0.0.1:4566`. */
  constructor(readonly endpoint: string) {
    this.adminBase = `${endpoint.replace(/\/$/, '')}${PROXY_ADMIN_PREFIX}`;
  }

  info(): Promise<ProxyInfo> {
    return this.call('GET', 'info');
  }

  counters(): Promise<ProxyCounters> {
    return this.call('GET', 'counters');
  }

  resetCounters(): Promise<ProxyCounters> {
    return this.call('POST', 'counters/reset');
  }

  faults(): Promise<ActiveFaultRule[]> {
    return this.call('GET', 'faults');
  }

  /** Replaces every rule. */
  setFaults(rules: readonly FaultRule[]): Promise<ActiveFaultRule[]> {
    return this.call('PUT', 'faults', rules);
  }

  addFaults(rules: readonly FaultRule[]): Promise<ActiveFaultRule[]> {
    return this.call('POST', 'faults', rules);
  }

  clearFaults(): Promise<ActiveFaultRule[]> {
    return this.call('DELETE', 'faults');
  }

  throttling(): Promise<ThrottlingState> {
    return this.call('GET', 'throttling');
  }

  setThrottling(settings: ThrottlingSettings): Promise<ThrottlingSettings> {
    return this.call('PUT', 'throttling', settings);
  }

  /** Clears faults, throttling and counters (moto's state is left alone). */
  reset(): Promise<{ ok: true }> {
    return this.call('POST', 'reset');
  }

  stopInstance(instanceId: string): Promise<InstanceStateChangeResult> {
    return this.call('POST', `instances/${encodeURIComponent(instanceId)}/stop`);
  }

  terminateInstance(instanceId: string): Promise<InstanceStateChangeResult> {
    return this.call('POST', `instances/${encodeURIComponent(instanceId)}/terminate`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.adminBase}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw localError(LocalErrorCode.proxyAdminRejected, `fault proxy ${method} ${path} answered HTTP ${response.status}: ${text}`);
    }
    return JSON.parse(text) as T;
  }
}
