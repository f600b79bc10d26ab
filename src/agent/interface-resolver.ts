import type { AgentLogger } from './agent-logger';
import type { ImdsClient } from './imds-client';
import { interfaceForEni, localInterfacesByMac } from './local-interfaces';
import { readImdsInterfaces, type ImdsInterface } from './node-identity';

/*
 * Finds the local interface of an ENI when a hook needs it. The ENI list from startup is
 * re-read from IMDS (at most every 30 s) when an ENI is missing from it: an ENI attached after
 * the agent started is found without a restart.
 */

const REFRESH_EVERY_MS = 30_000;

export class InterfaceResolver {
  private lastRefresh = 0;

  constructor(
    private readonly overrides: Readonly<Record<string, string>>,
    private attached: readonly ImdsInterface[],
    private attachedError: string | undefined,
    private readonly imds: ImdsClient | undefined,
    private readonly log: AgentLogger,
    private readonly localByMac: () => ReadonlyMap<string, string> = localInterfacesByMac,
  ) {}

  /** Throws InterfaceNotFoundError. */
  interfaceOf = (eni: string): string => {
    return interfaceForEni(eni, { overrides: this.overrides, attached: this.attached, attachedError: this.attachedError, localByMac: this.localByMac() });
  };

  /** Re-reads the attached ENIs if one of `enis` is unknown and the last read is old enough. */
  async refreshFor(enis: readonly string[]): Promise<void> {
    const unknown = enis.filter((eni) => this.overrides[eni] === undefined && !this.attached.some((a) => a.eni === eni));
    if (unknown.length === 0 || !this.imds || Date.now() - this.lastRefresh < REFRESH_EVERY_MS) return;
    this.lastRefresh = Date.now();
    try {
      this.attached = await readImdsInterfaces(this.imds);
      this.attachedError = undefined;
      this.log.info('attached network interfaces re-read', { enis: this.attached.map((a) => a.eni) });
    } catch (error) {
      this.attachedError = (error as Error).message;
    }
  }

  /** ENI → interface for the ENIs that resolve, for the startup log. */
  describe(enis: readonly string[]): Record<string, string> {
    const described: Record<string, string> = {};
    for (const eni of enis) {
      try {
        described[eni] = this.interfaceOf(eni);
      } catch (error) {
        described[eni] = `unknown (${(error as Error).message.replace(/^EC2F-G007 /, '')})`;
      }
    }
    return described;
  }
}
