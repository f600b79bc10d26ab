import type { CliStream } from './cli-io';

/*
 * Colour and tables only on a terminal: piped or captured output stays plain lines that grep
 * and tests read (NO_COLOR turns colour off on a terminal too).
 */

export interface Styles {
  readonly terminal: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const ansi = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string) => text;

export function stylesFor(stream: CliStream, env: NodeJS.ProcessEnv = process.env): Styles {
  const terminal = stream.isTTY === true;
  const colour = terminal && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return colour
    ? { terminal, bold: ansi(1), dim: ansi(2), red: ansi(31), green: ansi(32), yellow: ansi(33) }
    : { terminal, bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
}

/** Visible width, colour codes not counted. */
function width(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Rows as aligned columns, two spaces apart; the last column is not padded. */
export function columns(rows: readonly (readonly string[])[], indent = ''): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows
    .map((row) => `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell)))).join('  ')}`.trimEnd())
    .join('\n');
}

/** A table with a header on a terminal; plain aligned lines elsewhere. */
export function table(styles: Styles, header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string {
  if (rows.length === 0) return '';
  return `${columns(styles.terminal ? [header.map((h) => styles.bold(h)), ...rows] : rows, indent)}\n`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
