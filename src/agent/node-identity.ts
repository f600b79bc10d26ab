import type { AgentLogger } from './agent-logger';
import { ImdsUnavailableError } from './agent-errors';
import type { ImdsClient } from './imds-client';

/*
 * Who this node is: its instance id, its region and the ENIs attached to it, from IMDSv2.
 * Flags stand in for each value (for a test, or a host without IMDS); with --instance-id and a
 * region and no metadata endpoint named, no metadata service is asked at all. The ENI list is only
 * needed to find the local interface of a protected ENI, so failing to read it is a warning,
 * not a reason to stop: an interface named in the config needs no discovery.
 */

export interface ImdsInterface {
  /** Lowercase, colon-separated, as IMDS lists it. */
  readonly mac: string;
  readonly eni: string;
  readonly deviceNumber?: number | undefined;
  readonly localIpv4s: readonly string[];
}

export interface NodeIdentity {
  readonly instanceId: string;
  readonly region: string;
  readonly interfaces: readonly ImdsInterface[];
  /** Why the ENI list could not be read, when it could not. */
  readonly interfacesError?: string | undefined;
}

export interface IdentityOverrides {
  readonly instanceId?: string | undefined;
  readonly region?: string | undefined;
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Every ENI attached to the instance, from `network/interfaces/macs/`. */
export async function readImdsInterfaces(imds: ImdsClient): Promise<ImdsInterface[]> {
  const macs = lines(await imds.metadata('network/interfaces/macs/', 'the attached network interfaces')).map((entry) =>
    entry.replace(/\/$/, '').toLowerCase(),
  );
  return Promise.all(
    macs.map(async (mac) => {
      const base = `network/interfaces/macs/${mac}`;
      const [eni, deviceNumber, localIpv4s] = await Promise.all([
        imds.metadata(`${base}/interface-id`),
        imds.metadata(`${base}/device-number`).catch(() => undefined),
        imds.metadata(`${base}/local-ipv4s`).catch(() => ''),
      ]);
      const device = deviceNumber === undefined ? undefined : Number.parseInt(deviceNumber.trim(), 10);
      return { mac, eni: eni.trim(), deviceNumber: Number.isNaN(device) ? undefined : device, localIpv4s: lines(localIpv4s) };
    }),
  );
}

/** Why the ENI list is empty when no metadata service is used. */
export const NO_IMDS_INTERFACES =
  'no instance metadata service is used (--instance-id and a region given): name the local interface of each protected ENI with --interface ENI=IFACE or "interfaces" in the agent config';

/**
 * Who this node is. With `imds` undefined (an agent off EC2 given --instance-id and a region),
 * nothing reaches a metadata service at all.
 */
export async function discoverIdentity(imds: ImdsClient | undefined, overrides: IdentityOverrides, log: AgentLogger): Promise<NodeIdentity> {
  const ask = async (path: string, what: string): Promise<string> => {
    if (imds === undefined) throw new ImdsUnavailableError(what, 'no metadata service is used');
    return (await imds.metadata(path, what)).trim();
  };
  const instanceId = overrides.instanceId ?? (await ask('instance-id', 'the instance id'));
  const region = overrides.region ?? (await ask('placement/region', 'the region'));
  if (!/^i-[0-9a-f]{8,17}$/.test(instanceId)) throw new ImdsUnavailableError('the instance id', `"${instanceId}" is not an instance id`);
  if (imds === undefined) return { instanceId, region, interfaces: [], interfacesError: NO_IMDS_INTERFACES };
  try {
    return { instanceId, region, interfaces: await readImdsInterfaces(imds) };
  } catch (error) {
    const reason = (error as Error).message;
    log.warn('attached network interfaces unknown; only interfaces named in the config can be used', { error: reason });
    return { instanceId, region, interfaces: [], interfacesError: reason };
  }
}
