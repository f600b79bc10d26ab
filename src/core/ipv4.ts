/** IPv4 address and CIDR arithmetic, enough to validate virtual IPs against a VPC's range. */

export interface Ipv4Cidr {
  readonly address: number;
  readonly prefixLength: number;
}

export function parseIpv4Address(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function isIpv4Address(text: string): boolean {
  return parseIpv4Address(text) !== undefined;
}

/** Parses `a.b.c.d/n`; host bits must be zero, as EC2 requires for route destinations. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4Address(match[1]!);
  const prefixLength = Number(match[2]);
  if (address === undefined || prefixLength > 32) return undefined;
  if (address % 2 ** (32 - prefixLength) !== 0) return undefined;
  return { address, prefixLength };
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  if (inner.prefixLength < outer.prefixLength) return false;
  const size = 2 ** (32 - outer.prefixLength);
  return Math.floor(inner.address / size) === Math.floor(outer.address / size);
}
