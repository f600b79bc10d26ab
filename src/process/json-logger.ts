import type { Logger } from '../core/logger';

/** One JSON object per line, for log shippers; fields with no value are left out. */
export function jsonLineLogger(write: (line: string) => unknown, base: Record<string, unknown> = {}, clock: () => number = Date.now): Logger {
  const emit = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    const entry: Record<string, unknown> = { time: new Date(clock()).toISOString(), level, message, ...base };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) entry[key] = value;
    write(`${JSON.stringify(entry)}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
