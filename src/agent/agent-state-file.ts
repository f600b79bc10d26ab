import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentLogger } from './agent-logger';
import { StateFileUnusableError } from './agent-errors';
import type { GroupRecord } from './ownership-decision';

/*
 * The last handled epoch and role per group, so a restarted agent neither re-runs a hook it
 * already ran nor misses a change that happened while it was down. Written atomically (temp
 * file, fsync, rename): a crash mid-write leaves the old file, never half a file.
 *
 * A reboot empties the kernel's address list and restarts services, so records made under
 * another boot are void: the agent then treats every group as seen for the first time.
 */

const FORMAT = 1;

interface StateDocument {
  readonly format: number;
  readonly cluster: string;
  readonly instanceId: string;
  readonly bootId?: string | undefined;
  readonly groups: Readonly<Record<string, GroupRecord>>;
}

export function currentBootId(path = '/proc/sys/kernel/random/boot_id'): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface AgentStateFileOptions {
  readonly stateDir: string;
  readonly cluster: string;
  readonly instanceId: string;
  readonly bootId?: string | undefined;
}

export class AgentStateFile {
  readonly path: string;

  constructor(private readonly options: AgentStateFileOptions) {
    this.path = join(options.stateDir, `${options.cluster}.${options.instanceId}.json`);
  }

  /** The records of this cluster, instance and boot; none when the file is absent, foreign or from another boot. */
  load(log: AgentLogger): Map<string, GroupRecord> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new StateFileUnusableError(this.path, 'read', error);
    }
    let document: StateDocument;
    try {
      document = JSON.parse(text) as StateDocument;
    } catch (error) {
      log.warn('state file is not valid JSON; starting as if every group were new', { path: this.path, error: (error as Error).message });
      return new Map();
    }
    const { cluster, instanceId, bootId } = this.options;
    if (document.format !== FORMAT || document.cluster !== cluster || document.instanceId !== instanceId || typeof document.groups !== 'object') {
      log.warn('state file belongs to another cluster, instance or format; ignored', { path: this.path });
      return new Map();
    }
    if (bootId !== undefined && document.bootId !== bootId) {
      log.info('state file is from an earlier boot; addresses and services start afresh', { path: this.path });
      return new Map();
    }
    return new Map(Object.entries(document.groups));
  }

  /** Throws StateFileUnusableError; the caller decides whether that stops anything. */
  save(records: ReadonlyMap<string, GroupRecord>): void {
    const document: StateDocument = {
      format: FORMAT,
      cluster: this.options.cluster,
      instanceId: this.options.instanceId,
      bootId: this.options.bootId,
      groups: Object.fromEntries(records),
    };
    const temporary = `${this.path}.tmp`;
    try {
      mkdirSync(this.options.stateDir, { recursive: true, mode: 0o700 });
      writeFileSync(temporary, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
      const fd = openSync(temporary, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.path);
    } catch (error) {
      throw new StateFileUnusableError(this.path, 'write', error);
    }
  }
}
