import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { InterfaceNotFoundError } from './agent-errors';
import type { ImdsInterface } from './node-identity';

/*
 * Which local interface carries a given ENI. The device number IMDS reports does not map to a
 * name reliably (eth1, ens6, enX1 depending on the AMI and driver), but the MAC does: IMDS gives
 * the ENI's MAC, the kernel gives each interface's MAC.
 */

/** Local interfaces by lowercase MAC: from os.networkInterfaces(), and from /sys for interfaces without an address. */
export function localInterfacesByMac(sysClassNet = '/sys/class/net'): Map<string, string> {
  const byMac = new Map<string, string>();
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    const mac = addresses?.find((address) => !address.internal)?.mac;
    if (mac && mac !== '00:00:00:00:00:00') byMac.set(mac.toLowerCase(), name);
  }
  let names: string[] = [];
  try {
    names = readdirSync(sysClassNet);
  } catch {
    // Not Linux, or /sys not mounted: the addresses above are all there is.
  }
  for (const name of names) {
    try {
      const mac = readFileSync(`${sysClassNet}/${name}/address`, 'utf8').trim().toLowerCase();
      if (mac && mac !== '00:00:00:00:00:00' && !byMac.has(mac)) byMac.set(mac, name);
    } catch {
      // An interface that went away while listing.
    }
  }
  return byMac;
}

export interface InterfaceSources {
  /** ENI → interface, from flags and the agent config (flags first). */
  readonly overrides: Readonly<Record<string, string>>;
  readonly attached: readonly ImdsInterface[];
  readonly localByMac: ReadonlyMap<string, string>;
  /** Why the attached list is empty, if it could not be read. */
  readonly attachedError?: string | undefined;
}

/** The local interface name of `eni`; throws InterfaceNotFoundError saying which step failed. */
export function interfaceForEni(eni: string, sources: InterfaceSources): string {
  const named = sources.overrides[eni];
  if (named !== undefined) return named;
  const attached = sources.attached.find((candidate) => candidate.eni === eni);
  if (!attached) {
    const why = sources.attachedError
      ? `the attached interfaces could not be read from IMDS (${sources.attachedError})`
      : `IMDS lists no such ENI on this instance (attached: ${sources.attached.map((a) => a.eni).join(', ') || 'none'})`;
    throw new InterfaceNotFoundError(eni, why);
  }
  const name = sources.localByMac.get(attached.mac);
  if (name === undefined) throw new InterfaceNotFoundError(eni, `no local interface has its MAC ${attached.mac}`);
  return name;
}
