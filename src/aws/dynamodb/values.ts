/*
 * Values on their way into DynamoDB. The document client we are given may not drop
 * undefined fields (that is a client option), and DynamoDB has no undefined: strip them here
 * so every adapter behaves the same whatever client it was handed.
 */

export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map((v) => withoutUndefined(v)) as T;
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (field !== undefined) result[key] = withoutUndefined(field);
    }
    return result as T;
  }
  return value;
}
