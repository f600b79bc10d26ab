import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/*
 * Items read as DynamoDB sends them. The document client's default unmarshalling throws on a
 * number JavaScript cannot hold (a non-integer beyond 2^53, say), and one such item fails the
 * whole page: the stores read raw AttributeValues instead, keep every number as its text here,
 * and let each item's schema say which numbers it accepts. Nothing in this file throws on what
 * an item holds.
 */

export type RawItem = Record<string, AttributeValue>;

/** A DynamoDB number, as the text DynamoDB sent; a schema converts it, or rejects it. */
export class StoredNumber {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

/** An attribute of a type this code does not know (a newer DynamoDB type, say): never trusted. */
export class UnreadableValue {
  constructor(readonly type: string) {}

  toString(): string {
    return `an attribute of type ${this.type}`;
  }
}

/** The JavaScript value of one attribute; numbers stay StoredNumber, sets stay Sets. */
export function plainValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return new StoredNumber(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return plainItem(value.M);
  if (value.L !== undefined) return value.L.map(plainValue);
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map((text) => new StoredNumber(text)));
  if (value.B !== undefined) return value.B;
  if (value.BS !== undefined) return new Set(value.BS);
  return new UnreadableValue(Object.keys(value).join('/') || 'none');
}

export function plainItem(item: RawItem): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) plain[name] = plainValue(value);
  return plain;
}

/** A string attribute, e.g. an item's key, readable even when the rest of the item is not. */
export function stringAttribute(item: RawItem, name: string): string | undefined {
  return item[name]?.S;
}

/**
 * Sends a command of the low-level client (`@aws-sdk/client-dynamodb`) through the document
 * client the store was given: same connection pool, credentials, retries and timeouts, but the
 * answer comes back unconverted. The document client shares its base client's middleware stack,
 * and only lib-dynamodb's own commands add the (un)marshalling step.
 */
export function sendRaw<Output>(documents: DynamoDBDocumentClient, command: { readonly input: object }): Promise<Output> {
  return (documents.send as (command: unknown) => Promise<Output>).call(documents, command);
}
