/**
 * wg(8) configuration files (`wg setconf` / `wg addconf`, wg(8) "CONFIGURATION
 * FILE FORMAT") and wg-quick(8) files, parsed into one ConfigDelta plus the
 * wg-quick extras (Address, DNS, MTU, Table, hooks, SaveConfig).
 *
 * Line rules follow wireguard-tools: `#` starts a comment, whitespace is
 * ignored, section names and keys are case-insensitive; wg-quick keys keep the
 * inner spaces of their values (hook commands). Endpoints with a hostname are
 * returned unresolved: the caller resolves them (sans-IO). Errors name the line
 * and never contain key material.
 */
import type { AllowedIpChange, ConfigDelta, DeviceSnapshot, PeerDelta } from '../core/config.js';
import { formatEndpoint, type Endpoint } from '../core/endpoint.js';
import { fromBase64, isAllZero, toBase64 } from '../util/bytes.js';
import { canonicalAddress, formatPrefix, maskIp, parseEndpoint, parseIp } from '../util/ip.js';
import { describeValue } from './errors.js';
import { parseUnsigned } from './parse.js';

/** An interface address from `Address =` (host bits kept: 10.0.0.1/24). */
export interface InterfaceAddress {
  readonly ip: Uint8Array;
  readonly cidr: number;
}

/** A peer endpoint given as `hostname:port`, left for the caller to resolve. */
export interface UnresolvedEndpoint {
  /** Index into `delta.peers`. */
  readonly peerIndex: number;
  readonly host: string;
  readonly port: number;
  /** 1-based line of the Endpoint key. */
  readonly line: number;
}

export interface WgQuickHooks {
  readonly preUp: readonly string[];
  readonly postUp: readonly string[];
  readonly preDown: readonly string[];
  readonly postDown: readonly string[];
}

export interface ConfFile {
  /** What `wg setconf` (replacePeers: true) or `wg addconf` would send. */
  readonly delta: ConfigDelta;
  readonly addresses: readonly InterfaceAddress[];
  /** DNS servers (canonical IP text). */
  readonly dns: readonly string[];
  /** DNS entries that are not addresses: search domains (wg-quick). */
  readonly dnsSearch: readonly string[];
  readonly mtu?: number;
  readonly table?: string;
  readonly saveConfig: boolean;
  readonly hooks: WgQuickHooks;
  readonly unresolvedEndpoints: readonly UnresolvedEndpoint[];
}

export interface ParseConfOptions {
  /** 'wg-quick' (default) accepts the wg-quick [Interface] keys; 'wg' rejects them like `wg setconf`. */
  readonly mode?: 'wg' | 'wg-quick';
  /** true = `wg addconf` (only what the file says); false (default) = `wg setconf` (full replacement). */
  readonly append?: boolean;
}

export class ConfFileError extends Error {
  /** 1-based line number the error refers to. */
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ConfFileError';
    this.line = line;
  }
}

// wireguard-tools' char_is_space: the C "isspace" set.
const SPACE = /[ \t\n\v\f\r]/g;

interface PeerBuild {
  line: number;
  publicKey?: Uint8Array;
  presharedKey?: Uint8Array | null;
  endpoint?: Endpoint;
  persistentKeepalive?: number;
  replaceAllowedIps: boolean;
  allowedIps: AllowedIpChange[];
}

function keyOrThrow(line: number, name: string, value: string): Uint8Array {
  const k = value.length === 44 ? fromBase64(value) : null;
  if (k === null || k.length !== 32) throw new ConfFileError(line, `invalid ${name} (not a base64 32-byte key)`);
  return k;
}

function parseListenPort(line: number, v: string): number {
  const p = parseUnsigned(v, 0xffff);
  if (p < 0) throw new ConfFileError(line, `invalid ListenPort ${describeValue(v, "'")}`);
  return p;
}

/** FwMark: "off", decimal, or 0x-prefixed hex, up to 2^32-1 (wg config.c parse_fwmark). */
function parseFwmark(line: number, v: string): number {
  if (v.toLowerCase() === 'off') return 0;
  const hex = v.length > 2 && v.startsWith('0x');
  const ok = hex ? /^[0-9a-fA-F]{1,8}$/.test(v.slice(2)) : /^[0-9]{1,10}$/.test(v);
  const n = ok ? (hex ? parseInt(v.slice(2), 16) : Number(v)) : -1;
  if (n < 0 || n > 0xffffffff) throw new ConfFileError(line, `invalid FwMark ${describeValue(v, "'")}`);
  return n;
}

function parseKeepalive(line: number, v: string): number {
  if (v.toLowerCase() === 'off') return 0;
  const n = parseUnsigned(v, 0xffff);
  if (n < 0) throw new ConfFileError(line, `invalid PersistentKeepalive ${describeValue(v, "'")}`);
  return n;
}

/** `ip[/cidr]`, cidr defaulting to the full length; host bits kept or masked. */
function parseIpCidr(text: string, mask: boolean): { ip: Uint8Array; cidr: number } | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const max = ip.length * 8;
  let cidr = max;
  if (slash >= 0) {
    cidr = parseUnsigned(text.slice(slash + 1), max);
    if (cidr < 0) return null;
  }
  return { ip: mask ? maskIp(ip, cidr) : ip, cidr };
}

/** AllowedIPs: comma list; a leading '+' or '-' makes the change incremental (wireguard-tools 0788f90). */
function parseAllowedIps(line: number, v: string, peer: PeerBuild): void {
  peer.replaceAllowedIps = true;
  if (v === '') return;
  for (const raw of v.split(',')) {
    let entry = raw;
    let add = true;
    if (entry.startsWith('-') || entry.startsWith('+')) {
      add = !entry.startsWith('-');
      peer.replaceAllowedIps = false;
      entry = entry.slice(1);
    }
    const p = parseIpCidr(entry, true);
    if (p === null) throw new ConfFileError(line, `invalid AllowedIPs ${describeValue(raw, "'")}`);
    peer.allowedIps.push({ ip: p.ip, cidr: p.cidr, add });
  }
}

/** Endpoint: `[v6]:port`, `v4:port`, unbracketed `v6:port` or `host:port` (wg config.c parse_endpoint). */
function parseEndpointValue(line: number, v: string): Endpoint | { host: string; port: number } {
  const bad = (): ConfFileError => new ConfFileError(line, `invalid Endpoint ${describeValue(v, "'")}`);
  let host: string;
  let portText: string;
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close < 0 || v[close + 1] !== ':') throw bad();
    host = v.slice(1, close);
    portText = v.slice(close + 2);
  } else {
    const colon = v.lastIndexOf(':');
    if (colon < 0) throw bad();
    host = v.slice(0, colon);
    portText = v.slice(colon + 1);
  }
  const port = parseUnsigned(portText, 0xffff);
  if (host === '' || port < 1) throw bad();
  const address = canonicalAddress(host);
  if (address !== null) {
    const e = parseEndpoint(address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
    if (e === null) throw bad();
    return e;
  }
  if (!/^[A-Za-z0-9._-]{1,253}$/.test(host) || host.includes(':')) throw bad();
  return { host, port };
}

function keyLabel(key: string): string {
  return /^[A-Za-z]{1,32}$/.test(key) ? `'${key}'` : '(unprintable)';
}

interface Extras {
  addresses: InterfaceAddress[];
  dns: string[];
  dnsSearch: string[];
  mtu?: number;
  table?: string;
  saveConfig: boolean;
  hooks: { preUp: string[]; postUp: string[]; preDown: string[]; postDown: string[] };
}

/** wg-quick's own [Interface] keys (wg-quick parse_options); false if `key` is not one. */
function wgQuickKey(line: number, key: string, value: string, x: Extras): boolean {
  const items = (): string[] => value.split(/[\s,]+/).filter((s) => s !== '');
  switch (key.toLowerCase()) {
    case 'address':
      for (const a of items()) {
        const p = parseIpCidr(a, false);
        if (p === null) throw new ConfFileError(line, `invalid Address ${describeValue(a, "'")}`);
        x.addresses.push(p);
      }
      return true;
    case 'dns':
      for (const d of items()) {
        // wg-quick's rule: digits-and-dots or anything with ':' is a server, the rest are search domains.
        if (/^[0-9.]+$/.test(d) || d.includes(':')) {
          const c = canonicalAddress(d);
          if (c === null) throw new ConfFileError(line, `invalid DNS ${describeValue(d, "'")}`);
          x.dns.push(c);
        } else x.dnsSearch.push(d);
      }
      return true;
    case 'mtu': {
      const m = parseUnsigned(value, 65535);
      if (m < 68) throw new ConfFileError(line, `invalid MTU ${describeValue(value, "'")}`);
      x.mtu = m;
      return true;
    }
    case 'table':
      x.table = value;
      return true;
    case 'preup':
      x.hooks.preUp.push(value);
      return true;
    case 'postup':
      x.hooks.postUp.push(value);
      return true;
    case 'predown':
      x.hooks.preDown.push(value);
      return true;
    case 'postdown':
      x.hooks.postDown.push(value);
      return true;
    case 'saveconfig': {
      const b = value.toLowerCase();
      if (b !== 'true' && b !== 'false') throw new ConfFileError(line, `SaveConfig is neither true nor false`);
      x.saveConfig = b === 'true';
      return true;
    }
    default:
      return false;
  }
}

/** Parses a whole file. Throws ConfFileError naming the first bad line. */
export function parseConf(text: string, opts: ParseConfOptions = {}): ConfFile {
  const wgQuick = (opts.mode ?? 'wg-quick') === 'wg-quick';
  const x: Extras = { addresses: [], dns: [], dnsSearch: [], saveConfig: false, hooks: { preUp: [], postUp: [], preDown: [], postDown: [] } };
  let section: 'none' | 'interface' | 'peer' = 'none';
  let privateKey: Uint8Array | null | undefined;
  let listenPort: number | undefined;
  let fwmark: number | undefined;
  const peers: PeerBuild[] = [];
  const unresolved: UnresolvedEndpoint[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!;
    const hash = raw.indexOf('#');
    const uncommented = hash < 0 ? raw : raw.slice(0, hash);
    const compact = uncommented.replace(SPACE, '');
    if (compact === '') continue;
    const lower = compact.toLowerCase();
    if (lower === '[interface]') {
      section = 'interface';
      continue;
    }
    if (lower === '[peer]') {
      section = 'peer';
      peers.push({ line: n, replaceAllowedIps: true, allowedIps: [] });
      continue;
    }
    const eq = compact.indexOf('=');
    const key = eq < 0 ? compact : compact.slice(0, eq);
    const value = eq < 0 ? '' : compact.slice(eq + 1);
    if (section === 'interface' && wgQuick && eq >= 0) {
      const rawEq = uncommented.indexOf('=');
      if (wgQuickKey(n, uncommented.slice(0, rawEq).trim(), uncommented.slice(rawEq + 1).trim(), x)) continue;
    }
    const k = eq < 0 ? '' : key.toLowerCase();
    if (section === 'interface' && k === 'privatekey') {
      const pk = keyOrThrow(n, 'PrivateKey', value);
      privateKey = isAllZero(pk) ? null : pk;
    } else if (section === 'interface' && k === 'listenport') listenPort = parseListenPort(n, value);
    else if (section === 'interface' && k === 'fwmark') fwmark = parseFwmark(n, value);
    else if (section === 'peer' && k === 'publickey') peers[peers.length - 1]!.publicKey = keyOrThrow(n, 'PublicKey', value);
    else if (section === 'peer' && k === 'presharedkey') {
      const psk = keyOrThrow(n, 'PresharedKey', value);
      peers[peers.length - 1]!.presharedKey = isAllZero(psk) ? null : psk;
    } else if (section === 'peer' && k === 'allowedips') parseAllowedIps(n, value, peers[peers.length - 1]!);
    else if (section === 'peer' && k === 'persistentkeepalive') peers[peers.length - 1]!.persistentKeepalive = parseKeepalive(n, value);
    else if (section === 'peer' && k === 'endpoint') {
      const e = parseEndpointValue(n, value);
      const peer = peers[peers.length - 1]!;
      // A later Endpoint line replaces an earlier one, resolved or not.
      const idx = unresolved.findIndex((u) => u.peerIndex === peers.length - 1);
      if (idx >= 0) unresolved.splice(idx, 1);
      delete peer.endpoint;
      if ('address' in e) peer.endpoint = e;
      else unresolved.push({ peerIndex: peers.length - 1, host: e.host, port: e.port, line: n });
    } else {
      const where = section === 'none' ? ' outside any section' : ` in [${section === 'peer' ? 'Peer' : 'Interface'}]`;
      throw new ConfFileError(n, eq < 0 ? `unrecognized line${where}` : `unrecognized key ${keyLabel(key)}${where}`);
    }
  }
  const peerDeltas: PeerDelta[] = peers.map((p) => {
    if (p.publicKey === undefined) throw new ConfFileError(p.line, '[Peer] section has no PublicKey');
    const d: { -readonly [K in keyof PeerDelta]: PeerDelta[K] } = { publicKey: p.publicKey };
    if (p.presharedKey !== undefined) d.presharedKey = p.presharedKey;
    if (p.endpoint !== undefined) d.endpoint = p.endpoint;
    if (p.persistentKeepalive !== undefined) d.persistentKeepalive = p.persistentKeepalive;
    if (p.replaceAllowedIps) d.replaceAllowedIps = true;
    if (p.allowedIps.length > 0) d.allowedIps = p.allowedIps;
    return d;
  });
  const delta: ConfigDelta = opts.append
    ? {
        ...(privateKey !== undefined ? { privateKey } : {}),
        ...(listenPort !== undefined ? { listenPort } : {}),
        ...(fwmark !== undefined ? { fwmark } : {}),
        peers: peerDeltas,
      }
    : // setconf replaces everything: absent keys are sent as "remove"/0 (wg config_read_init).
      { privateKey: privateKey ?? null, listenPort: listenPort ?? 0, fwmark: fwmark ?? 0, replacePeers: true, peers: peerDeltas };
  return {
    delta,
    addresses: x.addresses,
    dns: x.dns,
    dnsSearch: x.dnsSearch,
    ...(x.mtu !== undefined ? { mtu: x.mtu } : {}),
    ...(x.table !== undefined ? { table: x.table } : {}),
    saveConfig: x.saveConfig,
    hooks: x.hooks,
    unresolvedEndpoints: unresolved,
  };
}

/** A copy of `delta` with resolved endpoints filled in (peerIndex → endpoint). */
export function withResolvedEndpoints(delta: ConfigDelta, resolved: ReadonlyMap<number, Endpoint>): ConfigDelta {
  return { ...delta, peers: delta.peers.map((p, i) => (resolved.has(i) ? { ...p, endpoint: resolved.get(i)! } : p)) };
}

/** `wg showconf` text for a device (wireguard-tools showconf.c layout). */
export function formatConf(s: DeviceSnapshot): string {
  let out = '[Interface]\n';
  if (s.listenPort) out += `ListenPort = ${s.listenPort}\n`;
  if (s.fwmark) out += `FwMark = 0x${s.fwmark.toString(16)}\n`;
  if (s.privateKey !== null && !isAllZero(s.privateKey)) out += `PrivateKey = ${toBase64(s.privateKey)}\n`;
  out += '\n';
  s.peers.forEach((p, i) => {
    out += `[Peer]\nPublicKey = ${toBase64(p.publicKey)}\n`;
    if (p.presharedKey !== null && !isAllZero(p.presharedKey)) out += `PresharedKey = ${toBase64(p.presharedKey)}\n`;
    if (p.allowedIps.length > 0) out += `AllowedIPs = ${p.allowedIps.map(formatPrefix).join(', ')}\n`;
    if (p.endpoint !== null) out += `Endpoint = ${formatEndpoint(p.endpoint)}\n`;
    if (p.persistentKeepalive) out += `PersistentKeepalive = ${p.persistentKeepalive}\n`;
    if (i < s.peers.length - 1) out += '\n';
  });
  return out;
}
