import { Ec2FailoverError } from '../core/errors';

/*
 * Why a cost estimate could not be made: the template is not one of this stack's (EC2F-T001), or
 * the stack could not be synthesized (EC2F-T002). Nothing was changed either way.
 */

export class CostInputError extends Ec2FailoverError {
  constructor(code: 'EC2F-T001' | 'EC2F-T002', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'CostInputError';
  }
}
