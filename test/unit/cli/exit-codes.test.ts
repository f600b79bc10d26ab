import { describe, expect, it } from 'vitest';
import { RefusedByReconcilerError, RequestBusyError, RequestRefusedError, WaitTimedOutError } from '../../../src/cli/cli-errors';
import { exitCodeFor } from '../../../src/cli/exit-codes';
import { ConfigError, Ec2FailoverError, UsageError } from '../../../src/core/errors';

/* One map from error to exit code for every command. */

describe('exitCodeFor', () => {
  it.each([
    ['bad input', new UsageError('x'), 2],
    ['a bad config', new ConfigError([{ code: 'EC2F-C007', path: 'p', message: 'm' }]), 2],
    ['an uninitialized cluster', new Ec2FailoverError('EC2F-D001', 'x'), 2],
    ['a busy group', new RequestBusyError('x'), 3],
    ['another writer\'s edit', new Ec2FailoverError('EC2F-A001', 'x'), 3],
    ['a refusal at once', new RequestRefusedError('x'), 4],
    ['a refusal by the reconciler', new RefusedByReconcilerError('x'), 4],
    ['a wait that timed out', new WaitTimedOutError('x'), 5],
    ['DynamoDB unavailable', new Ec2FailoverError('EC2F-D006', 'x'), 1],
    ['EC2 trouble', new Ec2FailoverError('EC2F-E008', 'x'), 1],
    ['a bug', new TypeError('x'), 1],
  ])('%s', (_label, error, code) => {
    // Act, Assess
    expect(exitCodeFor(error)).toBe(code);
  });
});
