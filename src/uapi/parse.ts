/**
 * Parser for the body of a UAPI `set=1` request (cross-platform UAPI,
 * "set" operation; protocol-checklist §10.3) into one ConfigDelta.
 *
 * The whole request is parsed before anything is applied, so a bad line late
 * in a request changes nothing (wireguard-go applies line by line and keeps
 * what came before the error). Which lines are accepted, and the errno of each
 * failure, follow wireguard-go's device/uapi.go: a line without '=' is EPROTO,
 * any bad key or value is EINVAL. Device keys are only valid before the first
 * `public_key`; after it, every key belongs to that peer's section.
 */
import type { AllowedIp, AllowedIpChange, ConfigDelta, PeerDelta } from '../core/config.js';
import type { Endpoint } from '../core/endpoint.js';
import { fromHex, isAllZero } from '../util/bytes.js';
import { parseEndpoint, parsePrefix } from '../util/ip.js';
import { EINVAL, EPROTO, UapiError, describeValue } from './errors.js';

/** Decimal without sign, like Go's strconv.ParseUint(v, 10, bits); -1 if invalid or > max. */
export function parseUnsigned(v: string, max: number): number {
  if (!/^[0-9]{1,20}$/.test(v)) return -1;
  const n = Number(v);
  return n <= max ? n : -1;
}

/** 64 hex digits (either case) → 32 bytes, or null. */
function parseHexKey(v: string): Uint8Array | null {
  if (v.length !== 64) return null;
  return fromHex(v);
}

// Go's netip parsers read the port and the prefix length with ParseUint, so
// leading zeros are accepted there ("1.2.3.4:01", "10.0.0.0/08"); the
// address part stays strict (no leading zeros in IPv4 octets, no zones).
function parseUapiEndpoint(v: string): Endpoint | null {
  const m = /^(.+):([0-9]{1,5})$/.exec(v);
  return m ? parseEndpoint(`${m[1]}:${Number(m[2])}`) : null;
}

/** `addr/cidr`; unlike a config file, the "/cidr" part is mandatory (netip.ParsePrefix). */
function parseUapiPrefix(v: string): AllowedIp | null {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(v);
  return m ? parsePrefix(`${m[1]}/${Number(m[2])}`) : null;
}

function keyName(k: string): string {
  return /^[a-z_0-9]{1,40}$/.test(k) && !/^[0-9a-f]{32,}$/.test(k) ? k : '(unprintable)';
}

interface MutablePeer {
  publicKey: Uint8Array;
  remove?: boolean;
  updateOnly?: boolean;
  presharedKey?: Uint8Array | null;
  endpoint?: Endpoint;
  persistentKeepalive?: number;
  replaceAllowedIps?: boolean;
  allowedIps: AllowedIpChange[];
}

interface MutableDelta {
  privateKey?: Uint8Array | null;
  listenPort?: number;
  fwmark?: number;
  replacePeers?: boolean;
}

function invalid(what: string): UapiError {
  return new UapiError(EINVAL, what);
}

function deviceLine(d: MutableDelta, key: string, value: string): void {
  switch (key) {
    case 'private_key': {
      const k = parseHexKey(value);
      if (k === null) throw invalid('invalid private_key (expected 64 hex digits)');
      d.privateKey = isAllZero(k) ? null : k; // all-zero = remove the key
      return;
    }
    case 'listen_port': {
      const p = parseUnsigned(value, 0xffff);
      if (p < 0) throw invalid(`invalid listen_port ${describeValue(value)}`);
      d.listenPort = p;
      return;
    }
    case 'fwmark': {
      const m = parseUnsigned(value, 0xffffffff);
      if (m < 0) throw invalid(`invalid fwmark ${describeValue(value)}`);
      d.fwmark = m;
      return;
    }
    case 'replace_peers':
      if (value !== 'true') throw invalid(`invalid replace_peers ${describeValue(value)}`);
      d.replacePeers = true;
      return;
    default:
      throw invalid(`invalid UAPI device key: ${keyName(key)}`);
  }
}

function peerLine(p: MutablePeer, key: string, value: string): void {
  switch (key) {
    case 'remove':
      if (value !== 'true') throw invalid(`invalid remove ${describeValue(value)}`);
      p.remove = true;
      return;
    case 'update_only':
      if (value !== 'true') throw invalid(`invalid update_only ${describeValue(value)}`);
      p.updateOnly = true;
      return;
    case 'preshared_key': {
      const k = parseHexKey(value);
      if (k === null) throw invalid('invalid preshared_key (expected 64 hex digits)');
      p.presharedKey = isAllZero(k) ? null : k; // all-zero = no preshared key
      return;
    }
    case 'endpoint': {
      const e = parseUapiEndpoint(value);
      if (e === null) throw invalid(`invalid endpoint ${describeValue(value)}`);
      p.endpoint = e;
      return;
    }
    case 'persistent_keepalive_interval': {
      const s = parseUnsigned(value, 0xffff);
      if (s < 0) throw invalid(`invalid persistent_keepalive_interval ${describeValue(value)}`);
      p.persistentKeepalive = s;
      return;
    }
    case 'replace_allowed_ips':
      if (value !== 'true') throw invalid(`invalid replace_allowed_ips ${describeValue(value)}`);
      // Earlier allowed_ip lines of this section would be dropped by the
      // replacement at this point of the request, so they are discarded here.
      p.replaceAllowedIps = true;
      p.allowedIps.length = 0;
      return;
    case 'allowed_ip': {
      // Incremental removal (wireguard-go 256bcbd): a leading '-' removes one prefix.
      const add = !value.startsWith('-');
      const text = add ? value : value.slice(1);
      const prefix = parseUapiPrefix(text);
      if (prefix === null) throw invalid(`invalid allowed_ip ${describeValue(value)}`);
      p.allowedIps.push({ ip: prefix.ip, cidr: prefix.cidr, add });
      return;
    }
    case 'protocol_version':
      if (value !== '1') throw invalid(`invalid protocol_version ${describeValue(value)}`);
      return;
    default:
      throw invalid(`invalid UAPI peer key: ${keyName(key)}`);
  }
}

function freezePeer(p: MutablePeer): PeerDelta {
  const out: { -readonly [K in keyof PeerDelta]: PeerDelta[K] } = { publicKey: p.publicKey };
  if (p.remove) out.remove = true;
  if (p.updateOnly) out.updateOnly = true;
  if (p.presharedKey !== undefined) out.presharedKey = p.presharedKey;
  if (p.endpoint !== undefined) out.endpoint = p.endpoint;
  if (p.persistentKeepalive !== undefined) out.persistentKeepalive = p.persistentKeepalive;
  if (p.replaceAllowedIps) out.replaceAllowedIps = true;
  if (p.allowedIps.length > 0) out.allowedIps = p.allowedIps;
  return out;
}

/**
 * Parses the `key=value` lines of a set request (without the `set=1` line).
 * Parsing stops at the first empty line, the request terminator.
 * Throws UapiError (EPROTO or EINVAL) for the first bad line.
 */
export function parseSet(lines: readonly string[]): ConfigDelta {
  const device: MutableDelta = {};
  const peers: MutablePeer[] = [];
  let peer: MutablePeer | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') break;
    const eq = line.indexOf('=');
    if (eq < 0) throw new UapiError(EPROTO, `line ${i + 1} of set request is not key=value`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'public_key') {
      const k = parseHexKey(value);
      if (k === null) throw invalid('invalid public_key (expected 64 hex digits)');
      peer = { publicKey: k, allowedIps: [] };
      peers.push(peer);
    } else if (peer === null) {
      deviceLine(device, key, value);
    } else {
      peerLine(peer, key, value);
    }
  }
  return { ...device, peers: peers.map(freezePeer) };
}
