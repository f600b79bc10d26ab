import type { AgentLogger } from './agent-logger';
import type { HooksConfig, UserHookConfig } from './agent-config';
import { HookFailedError } from './agent-errors';
import { hookEnvironment, type HookCall } from './hook-environment';
import { describeProcessResult, lastNonEmptyLine, runProcess } from './run-process';
import { changeVip } from './vip-address';

/*
 * Activation and deactivation of a group on this node. Mode `after`: activation brings every
 * virtual IP up, then runs the user's script; deactivation runs the user's script, then takes
 * the addresses down (the reverse order, as a stack unwinds: a service stops before its address
 * goes). Mode `replace`: the user's scripts alone.
 */

export type HookResult = { readonly ok: true } | { readonly ok: false; readonly error: HookFailedError };

export class GroupHooks {
  constructor(
    private readonly config: HooksConfig,
    private readonly log: AgentLogger,
  ) {}

  async activate(call: HookCall): Promise<HookResult> {
    if (this.config.mode === 'after') {
      for (const binding of call.bindings) {
        if (binding.mode !== 'route' || binding.vip === undefined) continue;
        if (binding.interface === undefined) {
          return this.failed(call, new HookFailedError(`bringing up ${binding.vip}`, binding.interfaceError ?? `no interface for ${binding.eni}`));
        }
        const outcome = await changeVip('add', binding.vip, binding.interface, this.config.ipCommand, this.config.ipTimeoutSeconds * 1000);
        this.log.info(outcome.ok ? 'virtual IP up' : 'virtual IP not brought up', {
          group: call.group, epoch: call.epoch, resource: binding.resource, vip: binding.vip, interface: binding.interface, result: outcome.detail,
        });
        if (!outcome.ok) return this.failed(call, new HookFailedError(`${outcome.argv.join(' ')}`, outcome.detail));
      }
    }
    if (this.config.activate) {
      const failure = await this.runUserHook('activate', this.config.activate, call);
      if (failure) return this.failed(call, failure);
    }
    return { ok: true };
  }

  /** Runs every step even when one fails, so as much as possible is taken down. */
  async deactivate(call: HookCall): Promise<HookResult> {
    const failures: HookFailedError[] = [];
    if (this.config.deactivate) {
      const failure = await this.runUserHook('deactivate', this.config.deactivate, call);
      if (failure) failures.push(failure);
    }
    if (this.config.mode === 'after') {
      for (const binding of call.bindings) {
        if (binding.mode !== 'route' || binding.vip === undefined) continue;
        // No interface known: the address cannot have been brought up by this agent.
        if (binding.interface === undefined) continue;
        const outcome = await changeVip('del', binding.vip, binding.interface, this.config.ipCommand, this.config.ipTimeoutSeconds * 1000);
        this.log.info(outcome.ok ? 'virtual IP down' : 'virtual IP not taken down', {
          group: call.group, epoch: call.epoch, resource: binding.resource, vip: binding.vip, interface: binding.interface, result: outcome.detail,
        });
        if (!outcome.ok) failures.push(new HookFailedError(`${outcome.argv.join(' ')}`, outcome.detail));
      }
    }
    const [first] = failures;
    return first ? this.failed(call, first) : { ok: true };
  }

  private async runUserHook(kind: 'activate' | 'deactivate', hook: UserHookConfig, call: HookCall): Promise<HookFailedError | undefined> {
    const timeoutMs = hook.timeoutSeconds * 1000;
    const result = await runProcess(hook.command, { timeoutMs, env: hookEnvironment(call) });
    const fields = { group: call.group, epoch: call.epoch, reason: call.reason, elapsedMs: result.elapsedMs, output: lastNonEmptyLine(result.output, 500) || undefined };
    if (result.exitCode === 0) {
      this.log.info(`${kind} hook succeeded`, fields);
      return undefined;
    }
    const detail = describeProcessResult(result, timeoutMs);
    this.log.error(`${kind} hook failed`, { ...fields, result: detail });
    return new HookFailedError(`${kind} hook`, detail);
  }

  private failed(call: HookCall, error: HookFailedError): HookResult {
    this.log.error(`${call.role === 'active' ? 'activation' : 'deactivation'} failed`, { group: call.group, epoch: call.epoch, code: error.code, error: error.message });
    return { ok: false, error };
  }
}
