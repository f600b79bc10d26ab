import { describe, expect, it } from 'vitest';
import { stylesFor, table } from '../../../src/cli/output';

/* Colour and table headers only on a terminal. */

describe('output', () => {
  it('prints plain aligned lines without a header when not on a terminal', () => {
    // Act
    const text = table(stylesFor({ write: () => true }), ['GROUP', 'OWNER'], [['db', 'owner node1'], ['web-eip', 'owner -']]);

    // Assess
    expect(text).toBe('  db       owner node1\n  web-eip  owner -\n');
  });

  it('adds a bold header and colours on a terminal, unless NO_COLOR is set', () => {
    // Prepare
    const tty = { write: () => true, isTTY: true };

    // Act
    const coloured = stylesFor(tty, {});
    const plain = stylesFor(tty, { NO_COLOR: '1' });

    // Assess
    expect(table(coloured, ['GROUP'], [['db']])).toBe('  \u001b[1mGROUP\u001b[0m\n  db\n');
    expect(coloured.red('x')).toBe('\u001b[31mx\u001b[0m');
    expect(plain.red('x')).toBe('x');
    expect(table(plain, ['GROUP'], [['db']])).toBe('  GROUP\n  db\n');
  });
});
