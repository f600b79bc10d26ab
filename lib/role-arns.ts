import { Token } from 'aws-cdk-lib';
import { ConstructPropsError } from './deploy-errors';

/*
 * Role ARNs given to the construct end up in `aws:PrincipalArn` conditions of the tables' resource
 * policies. A typo there silently locks a writer out (or lets nobody in), so the shape is checked
 * at synth: a role ARN, path included, `*` and `?` allowed (IAM Identity Center roles carry a
 * generated suffix).
 */

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/*?-]+$/;

export function checkRoleArns(propName: string, arns: readonly string[] | undefined): readonly string[] {
  const list = arns ?? [];
  for (const arn of list) {
    if (!Token.isUnresolved(arn) && !ROLE_ARN.test(arn)) {
      throw new ConstructPropsError(
        'EC2F-K007',
        `${propName}: "${arn}" is not an IAM role ARN; give the role's full ARN, e.g. arn:aws:iam::123456789012:role/path/name (* and ? allowed)`,
      );
    }
  }
  return list;
}
