import { setTimeout as sleep } from 'node:timers/promises';
import { ImdsUnavailableError } from './agent-errors';

/*
 * A minimal IMDSv2 client: a session token from PUT /latest/api/token, then GETs with it.
 * IMDSv1 is never used, so the agent works on instances that require tokens. The endpoint
 * follows the SDK's own variable, AWS_EC2_METADATA_SERVICE_ENDPOINT, so the same setting
 * points the agent and the SDK's credential provider at a stand-in.
 */

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';
const TOKEN_TTL_SECONDS = 21_600;

export interface ImdsClientOptions {
  /** @default 1000 */
  readonly timeoutMs?: number;
  /** Attempts per request; IMDS can be briefly unavailable right after boot. @default 3 */
  readonly attempts?: number;
}

export function imdsEndpointFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_EC2_METADATA_SERVICE_ENDPOINT || DEFAULT_IMDS_ENDPOINT;
}

class ImdsHttpError extends Error {
  constructor(readonly status: number, path: string) {
    super(`HTTP ${status} for ${path}`);
  }
}

export class ImdsClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private token: string | undefined;

  constructor(endpoint: string, options: ImdsClientOptions = {}) {
    this.base = endpoint.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.attempts = options.attempts ?? 3;
  }

  get endpoint(): string {
    return this.base;
  }

  /** The text at `/latest/meta-data/<path>`; throws ImdsUnavailableError naming `what`. */
  async metadata(path: string, what: string = path): Promise<string> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      try {
        return await this.getOnce(path);
      } catch (error) {
        lastError = error;
        // An expired or refused token: get a new one on the next attempt.
        if (error instanceof ImdsHttpError && error.status === 401) this.token = undefined;
        else if (error instanceof ImdsHttpError && error.status === 404) break;
        if (attempt < this.attempts) await sleep(100 * 2 ** (attempt - 1));
      }
    }
    throw new ImdsUnavailableError(what, `${this.base}/latest/meta-data/${path}: ${(lastError as Error).message}`, lastError);
  }

  private async getOnce(path: string): Promise<string> {
    const token = await this.sessionToken();
    const response = await fetch(`${this.base}/latest/meta-data/${path}`, {
      headers: { 'X-aws-ec2-metadata-token': token },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new ImdsHttpError(response.status, path);
    return text;
  }

  private async sessionToken(): Promise<string> {
    if (this.token !== undefined) return this.token;
    const response = await fetch(`${this.base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new ImdsHttpError(response.status, 'api/token');
    this.token = text.trim();
    return this.token;
  }
}
