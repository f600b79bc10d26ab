/*
 * A synthesized policy as the text IAM will count. At synth time ARNs still hold CloudFormation
 * pseudo parameters (partition, region, account); for a size check they are replaced by the longest
 * values they can take, so a policy that passes here cannot grow past a limit at deploy time.
 */

export interface PseudoParameterValues {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly urlSuffix: string;
}

/** The longest value of each pseudo parameter (`aws-us-gov`; region names are at most 14 characters today). */
export const LONGEST_PSEUDO_PARAMETERS: PseudoParameterValues = {
  partition: 'aws-us-gov',
  region: 'xx-xxxxxxxxxx-99',
  accountId: '123456789012',
  urlSuffix: 'amazonaws.com.cn',
};

const PSEUDO_REFS: Readonly<Record<string, keyof PseudoParameterValues>> = {
  'AWS::Partition': 'partition',
  'AWS::Region': 'region',
  'AWS::AccountId': 'accountId',
  'AWS::URLSuffix': 'urlSuffix',
};

/** Resolves a resolved template value to plain JSON: pseudo parameters, `Fn::Join`, and `Fn::GetAtt` through `getAtt`. */
export function renderIntrinsics(
  value: unknown,
  pseudo: PseudoParameterValues,
  getAtt?: (logicalId: string, attribute: string) => string,
): unknown {
  const render = (node: unknown): unknown => renderIntrinsics(node, pseudo, getAtt);
  if (Array.isArray(value)) return value.map(render);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === 'Ref' && typeof object.Ref === 'string') {
    const pseudoName = PSEUDO_REFS[object.Ref];
    if (pseudoName) return pseudo[pseudoName];
  }
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [delimiter, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(render(part))).join(delimiter);
  }
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt' && getAtt) {
    const [logicalId, attribute] = object['Fn::GetAtt'] as [string, string];
    return getAtt(logicalId, attribute);
  }
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
    throw new TypeError(`cannot render ${JSON.stringify(value)} as text`);
  }
  return Object.fromEntries(keys.map((key) => [key, render(object[key])]));
}

/** Characters IAM counts against its policy size limits: the JSON text without white space. */
export function iamPolicyLength(document: unknown): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}
