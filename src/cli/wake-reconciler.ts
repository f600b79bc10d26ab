import type { CliStream } from './cli-io';

/*
 * After a command has written something the reconciler must act on (an operator request, a spec
 * edit), it wakes the reconciler, so the change is acted on within a second instead of at the
 * next scheduled run. The write stands whatever the wake does: a failed wake prints a warning
 * with its code and leaves the exit status alone. The Lambda client loads only in the commands
 * that write, and starts loading while they read.
 */

/** Wakes the reconciler, giving why; resolves when the wake has been sent or has failed. */
export type WakeReconciler = (reason: string) => Promise<void>;

/** Starts loading the waker now; call the result once the write has succeeded. */
export function prepareWake(cluster: string, region: string, stderr: CliStream): WakeReconciler {
  const loading = import('../aws/lambda/reconciler-wake');
  loading.catch(() => undefined);
  const log = {
    // What the waker says at info (woken; off beside a local DynamoDB) is not the operator's business.
    info: () => undefined,
    warn: (message: string) => void stderr.write(`warning: ${message}\n`),
    error: (message: string) => void stderr.write(`warning: ${message}\n`),
  };
  return async (reason) => {
    const { ReconcilerWaker } = await loading;
    await new ReconcilerWaker({ cluster, region, from: 'cli', log }).wake({ reason });
  };
}
