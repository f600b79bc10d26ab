import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkItem, convertDocument, displayValue, integerFromText, numberFromText, storedInteger } from '../../../../src/aws/dynamodb/item-schema';
import { plainItem, StoredNumber } from '../../../../src/aws/dynamodb/raw-items';

describe('integerFromText', () => {
  it.each([
    ['0', 0],
    ['-0', 0],
    ['42', 42],
    ['-17', -17],
    ['1.0', 1],
    ['1E+3', 1_000],
    ['1.5e1', 15],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['-9007199254740991', -Number.MAX_SAFE_INTEGER],
    ['000012', 12],
  ])('reads %s as %d', (text, value) => {
    expect(integerFromText(text)).toEqual({ value });
  });

  it.each([
    ['9007199254740993.5', 'is not an integer'],
    ['1.00000000000000001', 'is not an integer'],
    ['0.5', 'is not an integer'],
    ['1E-1', 'is not an integer'],
    ['9007199254740992', 'is beyond ±2^53'],
    ['9007199254740993', 'is beyond ±2^53'],
    ['-9007199254740992', 'is beyond ±2^53'],
    ['1E+300', 'is beyond ±2^53'],
    ['12abc', 'is not a number'],
    ['', 'is not a number'],
    ['.', 'is not a number'],
  ])('refuses %s: it %s', (text, reason) => {
    expect(integerFromText(text)).toEqual({ problem: `${text} ${reason}${reason === 'is beyond ±2^53' ? ' (Number.MAX_SAFE_INTEGER)' : ''}` });
  });
});

describe('numberFromText', () => {
  it('reads fractions and refuses magnitudes beyond Number.MAX_SAFE_INTEGER', () => {
    expect(numberFromText('1700000000000.25')).toEqual({ value: 1_700_000_000_000.25 });
    expect(numberFromText('0.000001')).toEqual({ value: 0.000001 });
    expect(numberFromText('9007199254740993.5')).toEqual({ problem: '9007199254740993.5 is beyond ±2^53 (Number.MAX_SAFE_INTEGER)' });
    expect(numberFromText('-1E+17')).toEqual({ problem: '-1E+17 is beyond ±2^53 (Number.MAX_SAFE_INTEGER)' });
  });
});

describe('plainItem', () => {
  it('keeps every number as its text and never throws on what an item holds', () => {
    // Act
    const item = plainItem({
      seq: { N: '9007199254740993.5' },
      checks: { L: [{ NULL: true }, { M: { ok: { BOOL: true } } }] },
      tags: { SS: ['a'] },
      odd: { $unknown: ['X', {}] } as never,
    });

    // Assess
    expect(item).toEqual({
      seq: new StoredNumber('9007199254740993.5'),
      checks: [null, { ok: true }],
      tags: new Set(['a']),
      odd: expect.objectContaining({ type: '$unknown' }),
    });
  });
});

describe('checkItem', () => {
  it('names the first problem of each field, with its path, at most three', () => {
    // Prepare
    const schema = z.object({ a: storedInteger(0), b: z.array(z.object({ c: z.string() })), d: z.boolean(), e: z.string(), f: z.string() });

    // Act
    const checked = checkItem(schema, { a: new StoredNumber('-1'), b: [{ c: 5 }], f: 'ok' });

    // Assess
    expect(checked).toEqual({ ok: false, problem: 'a: -1 is below 0; b[0].c: expected a string, got the number 5; d: missing; and 1 more' });
  });
});

describe('convertDocument', () => {
  it('converts numbers and names the ones JavaScript cannot hold, keeping them as text', () => {
    // Act
    const converted = convertDocument({ members: [{ priority: new StoredNumber('9007199254740993.5') }], interval: new StoredNumber('0.25') }, ['spec']);

    // Assess
    expect(converted).toEqual({
      value: { members: [{ priority: '9007199254740993.5' }], interval: 0.25 },
      problems: ['spec.members[0].priority: 9007199254740993.5 is beyond ±2^53 (Number.MAX_SAFE_INTEGER)'],
    });
  });
});

describe('displayValue', () => {
  it('shows what it can as numbers, and the rest as text', () => {
    expect(displayValue({ n: new StoredNumber('12'), big: new StoredNumber('1E+30'), set: new Set([new StoredNumber('1')]) })).toEqual({
      n: 12,
      big: '1E+30',
      set: [1],
    });
  });
});
