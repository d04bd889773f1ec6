/**
 * A UDP endpoint: the outer address of a peer (whitepaper §2 "endpoint").
 * Addresses are kept in canonical text form (what node:dgram reports), so
 * they can be compared as strings and handed to sockets without conversion.
 */
export interface Endpoint {
  /** Canonical IPv4 dotted quad, or canonical lowercase compressed IPv6 without brackets or zone. */
  readonly address: string;
  /** UDP port, 1..65535. */
  readonly port: number;
}

/** True when both endpoints name the same address and port. */
export function sameEndpoint(a: Endpoint | null | undefined, b: Endpoint | null | undefined): boolean {
  if (!a || !b) return a === b;
  return a.port === b.port && a.address === b.address;
}

/** `ip:port` for IPv4, `[ip]:port` for IPv6 — the form wg(8) and the UAPI use. */
export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
