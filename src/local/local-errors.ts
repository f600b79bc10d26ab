import { Ec2FailoverError } from '../core/errors';

/**
 * Codes for problems of the local AWS world (moto, DynamoDB Local, the fault proxy, `local up`).
 * They are kept in one place so the README catalog and the code cannot drift apart.
 */
export const LocalErrorCode = {
  motoMissing: 'EC2F-L001',
  javaMissing: 'EC2F-L002',
  dynamoDbLocalJarMissing: 'EC2F-L003',
  serviceExitedEarly: 'EC2F-L004',
  serviceStartTimeout: 'EC2F-L005',
  portUnavailable: 'EC2F-L006',
  badLocalUpFlags: 'EC2F-L007',
  demoSeedFailed: 'EC2F-L008',
  proxyAdminRejected: 'EC2F-L009',
  processWouldNotStop: 'EC2F-L010',
} as const;

export type LocalErrorCodeValue = (typeof LocalErrorCode)[keyof typeof LocalErrorCode];

export function localError(code: LocalErrorCodeValue, message: string, cause?: unknown): Ec2FailoverError {
  return new Ec2FailoverError(code, message, cause === undefined ? undefined : { cause });
}
