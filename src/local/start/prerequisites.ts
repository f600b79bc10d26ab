import { spawnSync } from 'node:child_process';

/*
 * What `npm start` needs beyond Node.js: a Java 17+ runtime for DynamoDB Local and moto's
 * server for EC2. Each missing one is named with the line that installs it.
 */

export interface MissingPrerequisite {
  readonly what: string;
  readonly install: string;
}

/** The major version `java -version` reports (stderr: `openjdk version "17.0.9"` or `"1.8.0_392"`). */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

function javaProblem(): MissingPrerequisite | undefined {
  const java = process.env.JAVA ?? 'java';
  const answer = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  const major = answer.error ? undefined : javaMajorVersion(`${answer.stderr}${answer.stdout}`);
  if (major !== undefined && major >= 17) return undefined;
  const found = major === undefined ? 'no Java runtime found' : `Java ${major} found`;
  return { what: `Java 17 or newer for DynamoDB Local (${found})`, install: 'sudo apt-get install openjdk-17-jre-headless' };
}

function motoProblem(): MissingPrerequisite | undefined {
  const moto = process.env.MOTO_SERVER_COMMAND ?? 'moto_server';
  const answer = spawnSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', moto], { encoding: 'utf8', timeout: 10_000 });
  if (answer.status === 0) return undefined;
  return { what: `moto's server for EC2 (${moto} is not on the PATH)`, install: 'pip install "moto[server]"' };
}

export function missingPrerequisites(): MissingPrerequisite[] {
  return [javaProblem(), motoProblem()].filter((problem): problem is MissingPrerequisite => problem !== undefined);
}
