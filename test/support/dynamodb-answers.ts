import { GetItemCommand, QueryCommand as RawQueryCommand, ScanCommand as RawScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

/*
 * Makes a mocked document client answer reads the way DynamoDB and the SDK do, whichever
 * commands a store sends: low-level commands get the items raw (AttributeValues, as on the
 * wire), lib-dynamodb commands get what the document client's default unmarshalling makes of
 * them, or fail the whole call the way it does when one number cannot be converted.
 */

export type RawItem = Record<string, AttributeValue>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DocumentsMock = AwsStub<any, any, any>;

/** The document client's own view of a page: its default unmarshalling throws on the first unconvertible number. */
function unmarshalledOrError(items: readonly RawItem[]): { items: Record<string, unknown>[] } | { error: Error } {
  try {
    return { items: items.map((item) => unmarshall(item)) };
  } catch (error) {
    return { error: error as Error };
  }
}

/** One Scan page holding `items`, for both kinds of Scan. */
export function answerScan(documents: DocumentsMock, items: readonly RawItem[]): void {
  documents.on(RawScanCommand).resolves({ Items: [...items], Count: items.length, ScannedCount: items.length });
  const converted = unmarshalledOrError(items);
  if ('error' in converted) documents.on(ScanCommand).rejects(converted.error);
  else documents.on(ScanCommand).resolves({ Items: converted.items, Count: items.length, ScannedCount: items.length });
}

/** One Query page holding `items`, for both kinds of Query. */
export function answerQuery(documents: DocumentsMock, items: readonly RawItem[]): void {
  documents.on(RawQueryCommand).resolves({ Items: [...items], Count: items.length, ScannedCount: items.length });
  const converted = unmarshalledOrError(items);
  if ('error' in converted) documents.on(QueryCommand).rejects(converted.error);
  else documents.on(QueryCommand).resolves({ Items: converted.items, Count: items.length, ScannedCount: items.length });
}

/** GetItem answering `item` (or no item), for both kinds of GetItem. */
export function answerGet(documents: DocumentsMock, item: RawItem | undefined): void {
  documents.on(GetItemCommand).resolves(item === undefined ? {} : { Item: item });
  if (item === undefined) {
    documents.on(GetCommand).resolves({});
    return;
  }
  const converted = unmarshalledOrError([item]);
  if ('error' in converted) documents.on(GetCommand).rejects(converted.error);
  else documents.on(GetCommand).resolves({ Item: converted.items[0] });
}

// ---- Writing AttributeValues by hand -------------------------------------------------------

/** An item as the document client would store it; override attributes with the helpers below. */
export function rawItem(item: Record<string, unknown>): RawItem {
  return marshall(item, { removeUndefinedValues: true });
}

export const S = (value: string): AttributeValue => ({ S: value });
/** A number as DynamoDB carries it: text, so any value DynamoDB accepts can be written. */
export const N = (value: number | string): AttributeValue => ({ N: String(value) });
export const BOOL = (value: boolean): AttributeValue => ({ BOOL: value });
export const NULL: AttributeValue = { NULL: true };
export const L = (...values: AttributeValue[]): AttributeValue => ({ L: values });
export const M = (fields: Record<string, AttributeValue>): AttributeValue => ({ M: fields });
