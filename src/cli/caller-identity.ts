import { hostname, userInfo } from 'node:os';

/*
 * Who makes a change, for the history: the caller's ARN from STS GetCallerIdentity when the
 * credentials allow it (no IAM permission is needed for that call), else the local user. The
 * call is bounded: an unreachable STS costs at most `timeoutMs`, never the change itself.
 */

export function localUser(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container, say): keep $USER.
  }
  return `${user}@${hostname()}`;
}

export async function callerIdentity(region: string, timeoutMs = 1500): Promise<string> {
  try {
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const client = new STSClient({ region, maxAttempts: 1 });
    try {
      const { Arn } = await client.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return Arn ?? localUser();
    } finally {
      client.destroy();
    }
  } catch {
    return localUser();
  }
}
