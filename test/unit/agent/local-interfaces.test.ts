import { describe, expect, it } from 'vitest';
import { interfaceForEni, type InterfaceSources } from '../../../src/agent/local-interfaces';
import { parseInterfaceFlag } from '../../../src/agent/agent-command';

const sources: InterfaceSources = {
  overrides: { 'eni-0000000c': 'bond0' },
  attached: [
    { mac: '0a:00:00:00:00:01', eni: 'eni-0000000a', deviceNumber: 0, localIpv4s: [] },
    { mac: '0a:00:00:00:00:02', eni: 'eni-0000000b', deviceNumber: 1, localIpv4s: [] },
    { mac: '0a:00:00:00:00:03', eni: 'eni-0000000d', deviceNumber: 2, localIpv4s: [] },
  ],
  // Device 1 is not "eth1" here: names follow the driver, MACs do not lie.
  localByMac: new Map([
    ['0a:00:00:00:00:01', 'ens5'],
    ['0a:00:00:00:00:02', 'ens6'],
  ]),
};

describe('interfaceForEni', () => {
  it('finds the interface by the MAC IMDS gives for the ENI', () => {
    expect(interfaceForEni('eni-0000000b', sources)).toBe('ens6');
  });

  it('takes a named interface over discovery', () => {
    expect(interfaceForEni('eni-0000000c', sources)).toBe('bond0');
  });

  it('says why when the ENI is not attached, or its MAC is on no local interface (EC2F-G007)', () => {
    expect(() => interfaceForEni('eni-000000ff', sources)).toThrow(/EC2F-G007 .*IMDS lists no such ENI on this instance \(attached: eni-0000000a, eni-0000000b, eni-0000000d\)/);
    expect(() => interfaceForEni('eni-0000000d', sources)).toThrow(/EC2F-G007 .*no local interface has its MAC 0a:00:00:00:00:03/);
  });

  it('names the IMDS failure when the attached list could not be read', () => {
    expect(() => interfaceForEni('eni-0000000a', { ...sources, attached: [], attachedError: 'timed out' })).toThrow(/could not be read from IMDS \(timed out\)/);
  });
});

describe('parseInterfaceFlag', () => {
  it('reads ENI=IFACE pairs separated by commas', () => {
    expect(parseInterfaceFlag('eni-0123456789abcdef0=eth1, eni-0fedcba9=ens6')).toEqual({ 'eni-0123456789abcdef0': 'eth1', 'eni-0fedcba9': 'ens6' });
    expect(parseInterfaceFlag(undefined)).toEqual({});
  });

  it('refuses anything else with EC2F-U001', () => {
    expect(() => parseInterfaceFlag('eth1')).toThrow(/EC2F-U001 --interface expects ENI=IFACE pairs/);
  });
});
