import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors';

type FlagKinds = Record<string, 'string' | 'boolean'>;
type Parsed<K extends FlagKinds> = { [P in keyof K]?: K[P] extends 'string' ? string : boolean };

/** Strict flag parsing: an unknown flag or a stray argument is a usage error, never ignored. */
export function parseFlags<K extends FlagKinds>(argv: readonly string[], kinds: K): Parsed<K> {
  const options = Object.fromEntries(Object.entries(kinds).map(([name, type]) => [name, { type }]));
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return values as Parsed<K>;
  } catch (error) {
    const known = Object.keys(kinds).map((k) => `--${k}`).join(', ');
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (known flags: ${known || 'none'})`);
  }
}
