import { Ec2FailoverError } from '../core/errors';

/*
 * The operator CLI's own codes (the README's message catalog explains each). Bad input is
 * EC2F-U001 (`UsageError` in src/core/errors.ts); these are the answers to requests.
 */

export const CliErrorCode = {
  usage: 'EC2F-U001',
  requestBusy: 'EC2F-U002',
  requestRefused: 'EC2F-U003',
  waitTimedOut: 'EC2F-U004',
} as const;

/** A request the reconciler would refuse, refused before it is recorded: nothing changed. */
export class RequestRefusedError extends Ec2FailoverError {
  constructor(message: string) {
    super(CliErrorCode.requestRefused, message);
    this.name = 'RequestRefusedError';
  }
}

/** The group still has an unserved request: this one was not recorded. */
export class RequestBusyError extends Ec2FailoverError {
  constructor(message: string) {
    super(CliErrorCode.requestBusy, message);
    this.name = 'RequestBusyError';
  }
}

/** `--wait` gave up: the request may still be carried out later. */
export class WaitTimedOutError extends Ec2FailoverError {
  constructor(message: string) {
    super(CliErrorCode.waitTimedOut, message);
    this.name = 'WaitTimedOutError';
  }
}

/** The reconciler refused a recorded request; it carries the reconciler's code (EC2F-R002). */
export class RefusedByReconcilerError extends Ec2FailoverError {
  constructor(message: string) {
    super('EC2F-R002', message);
    this.name = 'RefusedByReconcilerError';
  }
}
