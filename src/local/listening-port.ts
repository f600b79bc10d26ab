import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/*
 * Whether the server answering on a port is the one we started. A free port chosen at run time
 * can be taken by another server (another test's moto on 127.0.0.1, another DynamoDB Local)
 * between the choice and our child's bind; that server then answers our readiness probe while
 * our child dies of "address in use", and everything after talks to the wrong server. On Linux
 * the kernel tells who listens: /proc/net/tcp{,6} maps the port to socket inodes, and
 * /proc/<pid>/fd shows which processes hold them.
 */

const LISTEN_STATE = '0A';

/** Inodes of the sockets listening on `port` (any address), or undefined where /proc/net is unreadable. */
function listeningSocketInodes(port: number, procRoot = '/proc'): Set<string> | undefined {
  const inodes = new Set<string>();
  let readable = false;
  for (const file of ['tcp', 'tcp6']) {
    let table: string;
    try {
      table = readFileSync(`${procRoot}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== LISTEN_STATE) continue;
      const localPort = Number.parseInt(fields[1]!.split(':').pop() ?? '', 16);
      if (localPort === port) inodes.add(fields[9]!);
    }
  }
  return readable ? inodes : undefined;
}

/** Process ids whose process group is `groupId` (read from /proc/<pid>/stat). */
function groupMembers(groupId: number, procRoot: string): number[] {
  const members: number[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`${procRoot}/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may itself hold spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === groupId) members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

function holdsSocket(pid: number, inodes: Set<string>, procRoot: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`${procRoot}/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${pid}/fd/${fd}`));
      if (match && inodes.has(match[1]!)) return true;
    } catch {
      // Closed while we looked.
    }
  }
  return false;
}

/**
 * True when a process of group `groupId` holds a socket listening on `port`, false when none
 * does, undefined where the system cannot tell (no /proc: not Linux).
 */
export function groupListensOn(groupId: number, port: number, procRoot = '/proc'): boolean | undefined {
  const inodes = listeningSocketInodes(port, procRoot);
  if (inodes === undefined) return undefined;
  if (inodes.size === 0) return false;
  return groupMembers(groupId, procRoot).some((pid) => holdsSocket(pid, inodes, procRoot));
}
