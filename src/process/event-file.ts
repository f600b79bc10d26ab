import { appendFile, mkdir, open, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Ec2FailoverError } from '../core/errors';

/** Code of an event file with a line that is not JSON (the README's catalog explains it). */
export const EVENT_FILE_CORRUPT = 'EC2F-L011';

/**
 * A JSON Lines file of EventBridge-shaped events: a generic event source for a controller that
 * runs outside Lambda (locally, the fault proxy appends to it and a controller tails it). One event per line, appended whole, so a reader never sees half an event
 * except at the very end while a write is under way (and then it waits for the newline).
 */
export class EventSinkWriter {
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Creates the file (empty) so readers can start tailing before the first event. */
  async create(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(this.path, '', { flag: 'a' });
  }

  /** Appends in call order, even when callers do not wait for each other. */
  append(events: readonly unknown[]): Promise<void> {
    if (events.length === 0) return this.pending;
    const lines = events.map((event) => `${JSON.stringify(event)}\n`).join('');
    const write = this.pending.then(() => appendFile(this.path, lines, 'utf8'));
    this.pending = write.catch(() => undefined);
    return write;
  }
}

export interface EventBatch<T> {
  readonly events: T[];
  /** Byte offset to pass to the next read. */
  readonly nextOffset: number;
}

/** Reads the complete lines after byte `offset`; a missing file reads as empty. */
export async function readEventsFrom<T = unknown>(path: string, offset = 0): Promise<EventBatch<T>> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], nextOffset: offset };
    throw error;
  }
  // A file shorter than the offset was replaced; start over rather than miss its events.
  const start = size < offset ? 0 : offset;
  if (size === start) return { events: [], nextOffset: start };
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.subarray(0, bytesRead);
    const lastNewline = text.lastIndexOf(0x0a);
    if (lastNewline < 0) return { events: [], nextOffset: start };
    const complete = text.subarray(0, lastNewline).toString('utf8');
    const events = complete
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index) => {
        try {
          return JSON.parse(line) as T;
        } catch (error) {
          throw new Ec2FailoverError(EVENT_FILE_CORRUPT, `event sink ${path}: line ${index + 1} after offset ${start} is not JSON`, { cause: error });
        }
      });
    return { events, nextOffset: start + lastNewline + 1 };
  } finally {
    await handle.close();
  }
}

export interface TailOptions {
  readonly fromOffset?: number;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/** Yields events as they are appended, polling the file, until `signal` aborts. */
export async function* tailEvents<T = unknown>(path: string, options: TailOptions = {}): AsyncGenerator<T> {
  let offset = options.fromOffset ?? 0;
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  while (!options.signal?.aborted) {
    const batch = await readEventsFrom<T>(path, offset);
    offset = batch.nextOffset;
    for (const event of batch.events) yield event;
    if (batch.events.length === 0) {
      try {
        await sleep(pollIntervalMs, undefined, { signal: options.signal });
      } catch {
        return;
      }
    }
  }
}
