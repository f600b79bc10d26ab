import { Ec2FailoverError } from '../src/core/errors';

/*
 * Construct props the control plane cannot be built from. Each has a stable code that the README's
 * message catalog explains; the synth stops with it before anything is deployed.
 */

export type ConstructPropsErrorCode =
  /** The reconciler's timeout, schedule, lateness allowance or memory leave nodes unwatched, or are out of range. */
  | 'EC2F-K003'
  /** The reconciler's reserved concurrency is below the number of runs that overlap. */
  | 'EC2F-K004'
  /** One node's agent statement does not fit in a managed policy on its own. */
  | 'EC2F-K005'
  /** The agent policies need more managed policies than the instance role may hold. */
  | 'EC2F-K006'
  /** A role ARN given in the props is not an IAM role ARN. */
  | 'EC2F-K007'
  /** A `-c key=value` our app reads cannot be read. */
  | 'EC2F-K008'
  /** The reconciler's run shape, or a `-c` flag of the alarms, is not one of its values. */
  | 'EC2F-K009';

export class ConstructPropsError extends Ec2FailoverError {
  constructor(code: ConstructPropsErrorCode, message: string) {
    super(code, message);
    this.name = 'ConstructPropsError';
  }
}
