import type { Instance } from '@aws-sdk/client-ec2';
import type { PreflightCheck } from './preflight';

/*
 * `validate --live`: EC2's own recovery of a node's instance. With simplified automatic recovery
 * (`MaintenanceOptions.AutoRecovery: default`, EC2's default for instances that support it) EC2
 * reboots or migrates the instance after a system status check failure, on its own schedule,
 * while the control plane may be failing the node's group over or (with fencing: stop)
 * stopping it. Named as a warning: some want the node back as a standby.
 */

export function recoveryCheck(node: { readonly id: string; readonly instanceId: string }, instance: Instance): PreflightCheck {
  const subject = `auto recovery of ${node.instanceId} (${node.id})`;
  const state = instance.MaintenanceOptions?.AutoRecovery;
  if (state === 'disabled') return { status: 'pass', subject, detail: 'simplified automatic recovery is disabled' };
  const disable = `aws ec2 modify-instance-maintenance-options --instance-id ${node.instanceId} --auto-recovery disabled`;
  if (state === undefined) {
    return { status: 'warn', subject, detail: 'EC2 did not report MaintenanceOptions.AutoRecovery (on by default where supported)', action: `Check it in the console, or disable it: ${disable}` };
  }
  return {
    status: 'warn',
    subject,
    detail: `simplified automatic recovery is on (AutoRecovery: ${state}): EC2 may recover the instance while the control plane fails its group over (and, with fencing: stop, stops it)`,
    action: `Disable it (${disable}), or accept that a recovered node comes back as a standby.`,
  };
}
