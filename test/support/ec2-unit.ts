import { EC2ServiceException } from '@aws-sdk/client-ec2';
import type { Ec2CloudOptions } from '../../src/aws/ec2/ec2-cloud';
import type { Tunables } from '../../src/core/model';

/** The reference guide's defaults, as the config fills them in. */
export const defaultTunables: Tunables = {
  apiCallTimeoutSeconds: 3,
  restoreTimeoutSeconds: 300,
  removeTimeoutSeconds: 300,
  recoverTimeoutSeconds: 300,
  quickCheckTimeoutSeconds: 100,
  maxRetry: 3,
};

/** An error shaped as the SDK throws it for an EC2 answer with this code and HTTP status. */
export function awsError(name: string, status: number, message = `${name} (test)`): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

/** A clock that moves only when the adapter waits between retries, so budgets cost no real time. */
export function steppedTime(start = 1_000_000): Required<Pick<Ec2CloudOptions, 'clock' | 'sleep' | 'random'>> & { waited: () => number } {
  let now = start;
  let waited = 0;
  return {
    clock: () => now,
    sleep: async (ms) => {
      now += ms;
      waited += ms;
    },
    random: () => 0.5,
    waited: () => waited,
  };
}
