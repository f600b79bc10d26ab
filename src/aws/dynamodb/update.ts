import { withoutUndefined } from './values';

/*
 * Builds an UpdateExpression that sets the defined attributes and removes the undefined
 * ones, so an item never keeps a stale optional field (an old fenceNode, a served request).
 * Every name goes through a placeholder: several of ours (owner, group, version…) are
 * DynamoDB reserved words or may become ones.
 */

export interface UpdateParts {
  readonly UpdateExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, unknown>;
}

export function setAndRemove(attributes: Readonly<Record<string, unknown>>): UpdateParts {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    names[`#${name}`] = name;
    if (value === undefined) {
      removes.push(`#${name}`);
    } else {
      values[`:${name}`] = withoutUndefined(value);
      sets.push(`#${name} = :${name}`);
    }
  }
  const clauses = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', removes.length > 0 ? `REMOVE ${removes.join(', ')}` : ''];
  return {
    UpdateExpression: clauses.filter((c) => c !== '').join(' '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
