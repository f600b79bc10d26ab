import type { IncomingMessage, ServerResponse } from 'node:http';
import { throttlingSettingsSchema, type Ec2Throttle } from './ec2-throttling';
import type { ProxyCounterBook } from './fault-proxy-counters';
import { faultRuleListSchema, type FaultRuleSet } from './fault-rules';
import type { InstanceTransition, InstanceStateChangeEvent } from './state-change-events';

/** Every admin route lives under this path on the proxy's own port. */
export const PROXY_ADMIN_PREFIX = '/__proxy/';

export interface ProxyInfo {
  readonly upstream: string;
  readonly region: string;
  readonly eventSinkPath: string;
  readonly awsFidelity: boolean;
}

export interface InstanceStateChangeResult {
  readonly instanceId: string;
  readonly previousState?: string;
  readonly events: readonly InstanceStateChangeEvent[];
}

export interface ProxyAdminContext {
  readonly info: ProxyInfo;
  readonly rules: FaultRuleSet;
  readonly throttle: Ec2Throttle;
  readonly counters: ProxyCounterBook;
  changeInstanceState(instanceId: string, transition: InstanceTransition): Promise<InstanceStateChangeResult>;
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

/**
 * The JSON admin API: GET info | counters | faults | throttling; POST counters/reset | reset;
 * PUT faults (replace) | POST faults (append) | DELETE faults; PUT throttling;
 * POST instances/<id>/stop | instances/<id>/terminate.
 */
export async function handleProxyAdmin(request: IncomingMessage, response: ServerResponse, body: Buffer, context: ProxyAdminContext): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://proxy.invalid').pathname.slice(PROXY_ADMIN_PREFIX.length).replace(/\/$/, '');
  const method = request.method ?? 'GET';
  const route = `${method} ${path}`;
  const json = (): unknown => (body.length === 0 ? undefined : JSON.parse(body.toString('utf8')));
  const { rules, throttle, counters } = context;

  switch (route) {
    case 'GET health':
      return sendJson(response, 200, { ok: true });
    case 'GET info':
      return sendJson(response, 200, context.info);
    case 'GET counters':
      return sendJson(response, 200, counters.snapshot());
    case 'POST counters/reset':
      counters.reset();
      return sendJson(response, 200, counters.snapshot());
    case 'GET faults':
      return sendJson(response, 200, rules.list());
    case 'PUT faults':
    case 'POST faults': {
      const parsed = faultRuleListSchema.safeParse(json());
      if (!parsed.success) return sendJson(response, 400, { error: 'invalid fault rules', issues: parsed.error.issues });
      if (method === 'PUT') rules.replace(parsed.data);
      else rules.add(parsed.data);
      return sendJson(response, 200, rules.list());
    }
    case 'DELETE faults':
      rules.clear();
      return sendJson(response, 200, []);
    case 'GET throttling':
      return sendJson(response, 200, { ...throttle.current(), state: throttle.state() });
    case 'PUT throttling': {
      const parsed = throttlingSettingsSchema.safeParse(json());
      if (!parsed.success) return sendJson(response, 400, { error: 'invalid throttling settings', issues: parsed.error.issues });
      throttle.configure(parsed.data);
      return sendJson(response, 200, throttle.current());
    }
    case 'POST reset':
      rules.clear();
      throttle.configure({ enabled: false });
      counters.reset();
      return sendJson(response, 200, { ok: true });
    default:
      break;
  }

  const instanceRoute = /^POST instances\/([^/]+)\/(stop|terminate)$/.exec(route);
  if (instanceRoute) {
    try {
      const result = await context.changeInstanceState(decodeURIComponent(instanceRoute[1] as string), instanceRoute[2] as InstanceTransition);
      return sendJson(response, 200, result);
    } catch (error) {
      // EC2's own refusal (unknown instance, say) goes back with EC2's status and code.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500;
      return sendJson(response, status, { error: (error as Error).name, message: (error as Error).message });
    }
  }
  return sendJson(response, 404, { error: `no admin route ${route}` });
}
