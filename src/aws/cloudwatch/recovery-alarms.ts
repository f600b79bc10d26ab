import type { ClusterSpec } from '../../core/model';
import type { PreflightCheck } from '../ec2/preflight';
import { CloudWatchReadError, type CloudWatchCall } from './client';

/*
 * `validate --live`: CloudWatch alarms whose action recovers or reboots a node's instance. Such
 * an alarm acts on a node the control plane may be failing over at the same moment (and, with
 * fencing: stop, stopping), so each one is named as a warning. A read CloudWatch refuses is a
 * warning too: the check could not be made, which is no reason to fail the preflight.
 */

/** `arn:aws:automate:us-east-1:ec2:recover`, and the older `…:action/actions/AWS_EC2.InstanceId.Reboot/1.0`. */
const EC2_ACTION = /^arn:aws[\w-]*:(?:automate:[^:]+:ec2:(recover|reboot)$|swf:[^:]+:\d*:action\/actions\/AWS_EC2\.InstanceId\.(Reboot)\/1\.0$)/;

/** At most this many pages of 100 alarms are read; an account with more is told so. */
const MAX_PAGES = 50;

interface Dimension {
  readonly Name?: string;
  readonly Value?: string;
}

export interface MetricAlarmShape {
  readonly AlarmName?: string;
  readonly AlarmActions?: readonly string[];
  readonly OKActions?: readonly string[];
  readonly InsufficientDataActions?: readonly string[];
  readonly Dimensions?: readonly Dimension[];
  readonly Metrics?: readonly { readonly MetricStat?: { readonly Metric?: { readonly Dimensions?: readonly Dimension[] } } }[];
}

/** `recover` or `reboot` when one of the alarm's actions is such an EC2 action. */
export function ec2ActionOf(alarm: MetricAlarmShape): string | undefined {
  for (const action of [...(alarm.AlarmActions ?? []), ...(alarm.OKActions ?? []), ...(alarm.InsufficientDataActions ?? [])]) {
    const match = EC2_ACTION.exec(action);
    if (match) return (match[1] ?? match[2]!).toLowerCase();
  }
  return undefined;
}

/** Instance ids the alarm watches through its InstanceId dimension (metric math included). */
export function instancesOf(alarm: MetricAlarmShape): string[] {
  const dimensions = [...(alarm.Dimensions ?? []), ...(alarm.Metrics ?? []).flatMap((m) => m.MetricStat?.Metric?.Dimensions ?? [])];
  return dimensions.filter((d) => d.Name === 'InstanceId' && d.Value).map((d) => d.Value!);
}

/** Every metric alarm of the account and region, page by page. */
async function readAlarms(call: CloudWatchCall): Promise<{ alarms: MetricAlarmShape[]; complete: boolean }> {
  const alarms: MetricAlarmShape[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const output = await call('DescribeAlarms', { AlarmTypes: ['MetricAlarm'], MaxRecords: 100, ...(token ? { NextToken: token } : {}) });
    alarms.push(...((output.MetricAlarms as MetricAlarmShape[] | undefined) ?? []));
    token = output.NextToken as string | undefined;
    if (!token) return { alarms, complete: true };
  }
  return { alarms, complete: false };
}

function unreadable(error: CloudWatchReadError): PreflightCheck {
  return error.denied
    ? { status: 'warn', subject: 'recovery alarms', detail: `not checked: cloudwatch:DescribeAlarms denied (${error.awsCode})`, action: "Grant cloudwatch:DescribeAlarms to check them, or look for EC2 recover/reboot actions on the nodes' alarms by hand." }
    : { status: 'warn', subject: 'recovery alarms', detail: `not checked: CloudWatch could not be read (${error.awsCode}: ${error.reason})`, action: 'Check the endpoint and the network; run validate --live again.' };
}

/** One line per node: the alarms that recover or reboot its instance, or none. */
export async function checkRecoveryAlarms(call: CloudWatchCall, spec: ClusterSpec): Promise<PreflightCheck[]> {
  let read: Awaited<ReturnType<typeof readAlarms>>;
  try {
    read = await readAlarms(call);
  } catch (error) {
    if (error instanceof CloudWatchReadError) return [unreadable(error)];
    throw error;
  }
  const checks = spec.nodes.map((node): PreflightCheck => {
    const subject = `recovery alarms of ${node.instanceId} (${node.id})`;
    const acting = read.alarms.filter((a) => instancesOf(a).includes(node.instanceId) && ec2ActionOf(a) !== undefined);
    if (acting.length === 0) return { status: 'pass', subject, detail: `no CloudWatch alarm recovers or reboots it (${read.alarms.length} alarms read)` };
    const named = acting.map((a) => `${a.AlarmName ?? '?'} (${ec2ActionOf(a)})`).join(', ');
    return {
      status: 'warn',
      subject,
      detail: `${named} act on it: EC2 would reboot or recover the node while the control plane fails its group over (and, with fencing: stop, stops it)`,
      action: 'Remove the EC2 action from the alarm and let the control plane handle the failure, or accept that the node comes back as a standby.',
    };
  });
  if (!read.complete) checks.push({ status: 'warn', subject: 'recovery alarms', detail: `only the first ${read.alarms.length} alarms were read`, action: 'Check the rest by hand.' });
  return checks;
}
