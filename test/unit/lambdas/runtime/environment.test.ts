import { describe, expect, it } from 'vitest';
import { readLambdaEnvironment } from '../../../../lambdas/runtime/environment';

/* What the control-plane Lambdas read from their environment at cold start (no AWS calls). */

describe('readLambdaEnvironment', () => {
  it('reads the cluster, the region, the EC2 call timeout and the run shape', () => {
    // Act
    const environment = readLambdaEnvironment({ CLUSTER_NAME: 'prod-db', AWS_REGION: 'eu-west-1', EC2F_API_CALL_TIMEOUT_SECONDS: '2.5', EC2F_RUN_SHAPE: 'resident', EC2F_SCHEDULE_SECONDS: '120' });

    // Assess
    expect(environment).toEqual({ clusterName: 'prod-db', region: 'eu-west-1', apiCallTimeoutSeconds: 2.5, runShape: 'resident', schedulePeriodSeconds: 120 });
  });

  it('defaults the run shape to on-demand, a run a minute', () => {
    // Act, Assess
    expect(readLambdaEnvironment({ CLUSTER_NAME: 'prod-db', AWS_REGION: 'eu-west-1' })).toMatchObject({ runShape: 'on-demand', schedulePeriodSeconds: 60 });
  });

  it('defaults the EC2 call timeout to 3 s', () => {
    // Act, Assess
    expect(readLambdaEnvironment({ CLUSTER_NAME: 'prod-db', AWS_REGION: 'eu-west-1' }).apiCallTimeoutSeconds).toBe(3);
  });

  it.each([
    [{ AWS_REGION: 'eu-west-1' }, /^EC2F-F001 environment variable CLUSTER_NAME is not set; set it to the cluster name of the config/],
    [{ CLUSTER_NAME: 'prod db', AWS_REGION: 'eu-west-1' }, /^EC2F-F001 CLUSTER_NAME="prod db" is not a cluster name/],
    [{ CLUSTER_NAME: 'prod-db' }, /^EC2F-F001 environment variable AWS_REGION is not set/],
    [{ CLUSTER_NAME: 'prod-db', AWS_REGION: 'eu-west-1', EC2F_API_CALL_TIMEOUT_SECONDS: 'soon' }, /^EC2F-F001 EC2F_API_CALL_TIMEOUT_SECONDS="soon" is not a positive number/],
    [{ CLUSTER_NAME: 'prod-db', AWS_REGION: 'eu-west-1', EC2F_RUN_SHAPE: 'always' }, /^EC2F-F001 EC2F_RUN_SHAPE="always" is not a run shape: use on-demand or resident/],
  ])('refuses %j with a coded message', (env, message) => {
    // Act
    const read = () => readLambdaEnvironment(env);

    // Assess
    expect(read).toThrow(message);
  });
});
