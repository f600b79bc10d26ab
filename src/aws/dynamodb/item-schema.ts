import { z } from 'zod';
import { StoredNumber, UnreadableValue } from './raw-items';

/*
 * Building blocks of the schemas every store checks its items with, and the one wording of what
 * was wrong. Numbers arrive as StoredNumber (their exact text) and are converted here: an
 * integer field takes only an exact integer of at most Number.MAX_SAFE_INTEGER, any number field
 * at most that magnitude, so a value JavaScript would round is refused instead of misread.
 */

/** A stored item left out of a read because it did not validate; `code` names the table's rule. */
export interface MalformedItem {
  readonly code: string;
  readonly table: string;
  /** The item's key as readable text (`pk`, or `partition sort`). */
  readonly key: string;
  readonly problem: string;
}

/** Where a store reports the items it leaves out (a logger, say); nothing by default. */
export type MalformedItemListener = (item: MalformedItem) => void;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

type Converted = { readonly value: number } | { readonly problem: string };

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;
/** Digits before the decimal point of Number.MAX_SAFE_INTEGER (9007199254740991). */
const SAFE_INTEGER_DIGITS = 16;

/** The significant digits of decimal text and where its point sits among them; undefined for anything else. */
function decimalParts(text: string): { readonly digits: string; readonly point: number } | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  let digits = whole + fraction;
  let point = whole.length + Number(match[4] ?? '0');
  const leadingZeros = /^0*/.exec(digits)![0].length;
  digits = digits.slice(leadingZeros).replace(/0+$/, '');
  point -= leadingZeros;
  return { digits, point };
}

const beyondSafe = (text: string) => `${text} is beyond ±2^53 (Number.MAX_SAFE_INTEGER)`;

/** The exact integer the text denotes, if it is one JavaScript holds exactly. */
export function integerFromText(text: string): Converted {
  const parts = decimalParts(text);
  if (!parts) return { problem: `${text} is not a number` };
  if (parts.digits === '') return { value: 0 };
  if (parts.point < parts.digits.length) return { problem: `${text} is not an integer` };
  if (parts.point > SAFE_INTEGER_DIGITS) return { problem: beyondSafe(text) };
  const value = Number(text);
  return Number.isSafeInteger(value) ? { value } : { problem: beyondSafe(text) };
}

/** The number the text denotes, if its magnitude is at most Number.MAX_SAFE_INTEGER. */
export function numberFromText(text: string): Converted {
  const parts = decimalParts(text);
  if (!parts) return { problem: `${text} is not a number` };
  if (parts.digits === '') return { value: 0 };
  const value = Number(text);
  if (parts.point > SAFE_INTEGER_DIGITS || !(Math.abs(value) <= Number.MAX_SAFE_INTEGER)) return { problem: beyondSafe(text) };
  return { value };
}

// ---- Describing values and problems ------------------------------------------------------

const MAX_TEXT_SHOWN = 40;

/** A short, safe description of a stored value for a problem text (never the whole of it). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof StoredNumber) return `the number ${value.text.slice(0, MAX_TEXT_SHOWN)}`;
  if (value instanceof UnreadableValue) return value.toString();
  if (typeof value === 'string') {
    const shown = value.length > MAX_TEXT_SHOWN ? `${value.slice(0, MAX_TEXT_SHOWN)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return `the number ${value}`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a map';
  return typeof value;
}

const EXPECTED: Readonly<Record<string, string>> = {
  object: 'a map',
  record: 'a map',
  map: 'a map',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
};

function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text === '' ? String(part) : `.${String(part)}`;
  return text;
}

function issueText(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  let what: string;
  if (issue.code === 'invalid_type') {
    what = input === undefined ? 'missing' : `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(input)}`;
  } else if (issue.code === 'invalid_value') {
    what = `${describeValue(input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  } else {
    what = issue.message;
  }
  const where = pathText(issue.path);
  return where === '' ? what : `${where}: ${what}`;
}

const ISSUES_SHOWN = 3;

/** The first issue of each field (zod may add a length check's complaint to a type error), at most three. */
export function describeIssues(error: z.ZodError): string {
  const seen = new Set<string>();
  const issues = error.issues.filter((issue) => {
    const key = pathText(issue.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const shown = issues.slice(0, ISSUES_SHOWN).map(issueText);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}

/** Checks a plain item (see raw-items) against its schema; never throws for what the item holds. */
export function checkItem<T>(schema: z.ZodType<T>, item: unknown): Checked<T> {
  const result = schema.safeParse(item, { reportInput: true });
  return result.success ? { ok: true, value: result.data } : { ok: false, problem: describeIssues(result.error) };
}

// ---- Schema pieces -------------------------------------------------------------------------

const storedNumberOnly = z.custom<StoredNumber>((value) => value instanceof StoredNumber, {
  error: (issue) => (issue.input === undefined ? 'missing' : `expected a number, got ${describeValue(issue.input)}`),
});

function converted(convert: (text: string) => Converted, min?: number) {
  return storedNumberOnly.transform((stored, context) => {
    const result = convert(stored.text);
    if ('problem' in result) {
      context.issues.push({ code: 'custom', message: result.problem, input: stored });
      return z.NEVER;
    }
    if (min !== undefined && result.value < min) {
      context.issues.push({ code: 'custom', message: `${stored.text} is below ${min}`, input: stored });
      return z.NEVER;
    }
    return result.value;
  });
}

/** An exact integer within ±Number.MAX_SAFE_INTEGER, at least `min` when given. */
export function storedInteger(min?: number) {
  return converted(integerFromText, min);
}

/** Any number within ±Number.MAX_SAFE_INTEGER (a time in ms, say), at least `min` when given. */
export function storedNumber(min?: number) {
  return converted(numberFromText, min);
}

/**
 * A free-form document (a stored spec) with its numbers converted. A number JavaScript cannot
 * hold stays its text, so no validation after this sees it rounded, and is named in `problems`
 * with its path (`path` is where the document sits in its item).
 */
export function convertDocument(value: unknown, path: readonly PropertyKey[] = []): { readonly value: unknown; readonly problems: readonly string[] } {
  const problems: string[] = [];
  return { value: documentValue(value, path, problems), problems };
}

function documentValue(value: unknown, path: readonly PropertyKey[], problems: string[]): unknown {
  if (value instanceof StoredNumber) {
    const result = numberFromText(value.text);
    if ('value' in result) return result.value;
    problems.push(`${pathText(path) || '(value)'}: ${result.problem}`);
    return value.text;
  }
  if (Array.isArray(value)) return value.map((element, index) => documentValue(element, [...path, index], problems));
  if (isPlainMap(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) result[key] = documentValue(field, [...path, key], problems);
    return result;
  }
  return value;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/** Like convertDocument, for text meant only to be shown (history details): a number too big to hold stays its text. */
export function displayValue(value: unknown): unknown {
  if (value instanceof StoredNumber) {
    const result = numberFromText(value.text);
    return 'value' in result && Number.isFinite(result.value) ? result.value : value.text;
  }
  if (value instanceof Set) return [...value].map(displayValue);
  if (value instanceof UnreadableValue || value instanceof Uint8Array) return describeValue(value);
  if (Array.isArray(value)) return value.map(displayValue);
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) result[key] = displayValue(field);
    return result;
  }
  return value;
}
