import { canonicalJson } from './spec-hash';

/*
 * Field-level difference between two spec documents, with the same dotted paths the config
 * errors use (`members[1].priority`), so an operator finds the line in the file at once.
 */

export interface FieldChange {
  readonly path: string;
  /** undefined: the field is new. */
  readonly before: unknown;
  /** undefined: the field is gone. */
  readonly after: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (before === undefined && after === undefined) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((k) => !(k in after))];
    return keys.flatMap((key) => diffValues(before[key], after[key], join(path, key)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => diffValues(before[i], after[i], join(path, i))).flat();
  }
  return canonicalJson(before) === canonicalJson(after) ? [] : [{ path, before, after }];
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** `members[1].priority 10 → 20` */
export function formatFieldChange(change: FieldChange): string {
  return `${change.path || '(all)'} ${formatValue(change.before)} → ${formatValue(change.after)}`;
}
