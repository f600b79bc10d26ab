/*
 * EC2 refuses a Describe request with more than 200 filter values (FilterLimitExceeded). The
 * local fault proxy counts them over all filters of the request, the stricter reading, so the
 * values of the filter we split are sized to leave room for the request's other filters.
 */

export const MAX_FILTER_VALUES_PER_REQUEST = 200;

/** Splits `values` so that each piece, plus `otherFilterValues` fixed ones, fits in one request. */
export function filterValueChunks<T>(values: readonly T[], otherFilterValues = 0): T[][] {
  const size = MAX_FILTER_VALUES_PER_REQUEST - otherFilterValues;
  const chunks: T[][] = [];
  for (let start = 0; start < values.length; start += size) chunks.push(values.slice(start, start + size));
  return chunks;
}

/** Sorted and without repeats, so requests are stable and no value costs twice. */
export function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
