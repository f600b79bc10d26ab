import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EC2Client, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { planFidelityCorrection } from './aws-fidelity';
import { ec2ErrorResponse, type Ec2ErrorResponse } from './ec2-error-response';
import { parseEc2Request, readList } from './ec2-query';
import { checkEc2RequestLimits } from './ec2-request-limits';
import { Ec2Throttle } from './ec2-throttling';
import { firstElement, firstTagText, splitSetItems } from './ec2-xml';
import { EventSinkWriter } from '../process/event-file';
import { handleProxyAdmin, PROXY_ADMIN_PREFIX, type InstanceStateChangeResult, type ProxyAdminContext } from './fault-proxy-admin';
import { ProxyCounterBook, type ProxyCounters } from './fault-proxy-counters';
import { FaultRuleSet } from './fault-rules';
import { findFreePort } from './free-port';
import { LOCAL_CREDENTIALS } from './local-credentials';
import { LocalErrorCode, localError } from './local-errors';
import { announcedStates, instanceStateChangeEvent, type InstanceStateChangeEvent, type InstanceTransition } from './state-change-events';
import type { Clock } from './token-bucket';
import { forwardRequest, readBody, relayAnswer } from './upstream-relay';

export { PROXY_ADMIN_PREFIX } from './fault-proxy-admin';
export type { InstanceStateChangeResult, ProxyInfo } from './fault-proxy-admin';
export type { ProxyCounters } from './fault-proxy-counters';

export interface FaultProxyOptions {
  /** moto's endpoint, e.g. `http://127.0.0.1:5000`. */
  readonly upstream: string;
  /** Fixed port; by default a free one is chosen. */
  readonly port?: number;
  /** Region written into state-change events and used for admin stop/terminate. */
  readonly region?: string;
  /** JSON Lines file for state-change events; a fresh temp file by default. */
  readonly eventSinkPath?: string;
  /** Corrections that make moto answer like EC2 (see aws-fidelity.ts); on by default. */
  readonly awsFidelity?: boolean;
  readonly random?: () => number;
  readonly clock?: Clock;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly port: number;
  readonly upstream: string;
  readonly region: string;
  readonly eventSinkPath: string;
  readonly rules: FaultRuleSet;
  readonly throttle: Ec2Throttle;
  counters(): ProxyCounters;
  resetCounters(): void;
  /** Stops (or terminates) an instance in moto and writes the state-change events. */
  changeInstanceState(instanceId: string, transition: InstanceTransition): Promise<InstanceStateChangeResult>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

function sendEc2Error(response: ServerResponse, error: Ec2ErrorResponse): void {
  response.writeHead(error.status, error.headers);
  response.end(error.body);
}

/** Previous state per instance in a StopInstances/TerminateInstances/StartInstances answer. */
function previousStatesFromAnswer(xml: string): Map<string, string | undefined> {
  const states = new Map<string, string | undefined>();
  for (const item of splitSetItems(xml, 'instancesSet')?.items ?? []) {
    const instanceId = firstTagText(item, 'instanceId');
    if (instanceId === undefined) continue;
    const previous = firstElement(item, 'previousState');
    states.set(instanceId, previous === undefined ? undefined : firstTagText(previous, 'name'));
  }
  return states;
}

/** The calls whose success EC2 announces on EventBridge as instance state changes. */
const STATE_CHANGING_ACTIONS: Readonly<Record<string, InstanceTransition>> = {
  StopInstances: 'stop',
  TerminateInstances: 'terminate',
  StartInstances: 'start',
};

/**
 * An HTTP server in front of moto that passes EC2 calls through untouched unless told otherwise:
 * it can delay, fail or hang calls, throttle them with EC2's token buckets, refuse requests EC2
 * would refuse, and it turns instance stops and terminations into EventBridge-shaped events.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const region = options.region ?? 'us-east-1';
  const awsFidelity = options.awsFidelity ?? true;
  const eventSinkPath = options.eventSinkPath ?? join(mkdtempSync(join(tmpdir(), 'ec2f-events-')), 'ec2-events.jsonl');
  const sink = new EventSinkWriter(eventSinkPath);
  await sink.create();

  const rules = new FaultRuleSet(options.random);
  const throttle = new Ec2Throttle(options.clock);
  const counters = new ProxyCounterBook();
  const heldResponses = new Set<ServerResponse>();
  // Admin stops go straight to moto: they are the test's doing, not the product's calls.
  const motoClient = new EC2Client({ endpoint: options.upstream, region, credentials: { ...LOCAL_CREDENTIALS }, maxAttempts: 2 });

  async function recordStateChanges(transition: InstanceTransition, previousStates: Map<string, string | undefined>): Promise<InstanceStateChangeEvent[]> {
    const events: InstanceStateChangeEvent[] = [];
    for (const [instanceId, previousState] of previousStates) {
      for (const state of announcedStates(transition, previousState)) events.push(instanceStateChangeEvent(instanceId, state, { region }));
    }
    await sink.append(events);
    counters.eventsWritten(events.length);
    return events;
  }

  async function changeInstanceState(instanceId: string, transition: InstanceTransition): Promise<InstanceStateChangeResult> {
    const changes =
      transition === 'stop'
        ? (await motoClient.send(new StopInstancesCommand({ InstanceIds: [instanceId] }))).StoppingInstances
        : (await motoClient.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }))).TerminatingInstances;
    const previousState = changes?.find((change) => change.InstanceId === instanceId)?.PreviousState?.Name;
    const events = await recordStateChanges(transition, new Map([[instanceId, previousState]]));
    return { instanceId, previousState, events };
  }

  function hold(request: IncomingMessage, response: ServerResponse): void {
    // Never answer; the client's own timeout (or the proxy stopping) ends the exchange.
    heldResponses.add(response);
    const release = (): void => {
      heldResponses.delete(response);
    };
    response.on('close', release);
    request.on('close', release);
  }

  async function handleEc2(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const url = request.url ?? '/';
    const { action, params } = parseEc2Request(url, request.headers['content-type'], body);
    if (action === undefined) {
      // moto's own API (reset, dashboard) and anything else: straight through.
      relayAnswer(response, await forwardRequest(upstream, request, url, body));
      return;
    }
    counters.call(action);

    const violation = checkEc2RequestLimits(action, params);
    if (violation) {
      counters.reject(action, violation.code);
      sendEc2Error(response, ec2ErrorResponse(violation.code, violation.message));
      return;
    }

    const admission = throttle.admit(action, params);
    if (!admission.allowed) {
      counters.throttle(action);
      sendEc2Error(response, ec2ErrorResponse('RequestLimitExceeded', `Request limit exceeded (bucket ${admission.bucket} is empty).`));
      return;
    }

    const decision = rules.decide(action);
    if (decision.latencyMs > 0) {
      counters.delay(action);
      await sleep(decision.latencyMs);
    }
    if (decision.fault?.kind === 'hang') {
      counters.fault(action, 'hang');
      hold(request, response);
      return;
    }
    if (decision.fault?.kind === 'error') {
      counters.fault(action, decision.fault.code);
      sendEc2Error(response, ec2ErrorResponse(decision.fault.code, decision.fault.message, decision.fault.status));
      return;
    }

    const plan = awsFidelity ? planFidelityCorrection(action, params) : undefined;
    if (plan) counters.correct(plan.correction);
    if (plan?.answer) {
      sendEc2Error(response, plan.answer);
      return;
    }

    counters.forward(action);
    const answer = plan?.forwardParams
      ? await forwardRequest(
          upstream,
          request,
          new URL(url, 'http://proxy.invalid').pathname,
          Buffer.from(plan.forwardParams.toString()),
          'application/x-www-form-urlencoded; charset=utf-8',
        )
      : await forwardRequest(upstream, request, url, body);

    const succeeded = answer.status >= 200 && answer.status < 300;
    const transition = STATE_CHANGING_ACTIONS[action ?? ''];
    if (succeeded && transition) {
      const previousStates = previousStatesFromAnswer(answer.body.toString('utf8'));
      // An answer we cannot read still means the instances changed; assume the usual previous state.
      if (previousStates.size === 0)
        for (const instanceId of readList(params, 'InstanceId')) previousStates.set(instanceId, transition === 'start' ? 'stopped' : undefined);
      await recordStateChanges(transition, previousStates);
    }
    const rewritten = succeeded && plan?.rewriteAnswer ? Buffer.from(plan.rewriteAnswer(answer.body.toString('utf8')), 'utf8') : undefined;
    relayAnswer(response, answer, rewritten);
  }

  const adminContext: ProxyAdminContext = {
    info: { upstream: options.upstream, region, eventSinkPath, awsFidelity },
    rules,
    throttle,
    counters,
    changeInstanceState,
  };

  const server: Server = createServer((request, response) => {
    readBody(request)
      .then((body) =>
        (request.url ?? '').startsWith(PROXY_ADMIN_PREFIX)
          ? handleProxyAdmin(request, response, body, adminContext)
          : handleEc2(request, response, body),
      )
      .catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (error instanceof SyntaxError) {
          response.writeHead(400, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: 'the body is not JSON', message: error.message }));
          return;
        }
        // moto unreachable or broken: a gateway error, which SDKs treat as transient like EC2's own 5xx.
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`ec2-failover fault proxy: upstream ${options.upstream} failed: ${(error as Error).message}`);
      });
  });

  const port = options.port ?? (await findFreePort(HOST));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(localError(LocalErrorCode.portUnavailable, `port ${port} on ${HOST} is already in use; choose another for the EC2 fault proxy`, error));
      } else reject(error);
    });
    server.listen({ host: HOST, port, exclusive: true }, () => resolve());
  });

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${HOST}:${port}`,
    port,
    upstream: options.upstream,
    region,
    eventSinkPath,
    rules,
    throttle,
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    changeInstanceState,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const held of heldResponses) held.destroy();
        heldResponses.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        motoClient.destroy();
      });
      return stopped;
    },
  };
}
