/**
 * Reply to a UAPI `get=1` request (cross-platform UAPI, "get" operation) in
 * exactly wireguard-go's order (protocol-checklist §10.3): device keys, then
 * each peer's keys, then `errno=0` and the empty line that ends the reply.
 * Keys are lowercase hex; allowed IPs are printed masked. formatSetLines is
 * the inverse of parseSet (what a client such as wg(8) sends).
 */
import type { ConfigDelta, DeviceSnapshot, PeerSnapshot } from '../core/config.js';
import { formatEndpoint } from '../core/endpoint.js';
import { isAllZero, toHex } from '../util/bytes.js';
import { formatPrefix } from '../util/ip.js';
import { formatErrno } from './errors.js';

export { formatErrno };

const ZERO_KEY_HEX = '0'.repeat(64);

/** Seconds and nanoseconds of a wall-clock time in ms (0/0 = never). */
export function splitWallMs(ms: number): { sec: number; nsec: number } {
  if (!(ms > 0)) return { sec: 0, nsec: 0 };
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.max(0, Math.round((ms - sec * 1000) * 1e6)));
  return { sec, nsec };
}

/** Byte counters and intervals as wireguard-go prints them: whole, never negative. */
function counter(n: number): number {
  return n > 0 ? Math.floor(n) : 0;
}

const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
// Only ASCII is ever written, so any single-byte decoder gives the same text.
const ASCII = new TextDecoder('latin1');

/**
 * ASCII text written as bytes into one reusable buffer and turned into a
 * string every `size` bytes. A 10,000-peer reply is ≈ 3 MB of text; built as
 * ≈ 100,000 small strings and joined it cost ≈ 30 MB of short-lived heap,
 * which the daemon kept as RSS. This way each chunk is one string.
 */
class AsciiChunker {
  private buf: Uint8Array;
  private n = 0;

  constructor(private readonly size: number) {
    this.buf = new Uint8Array(size + 1024);
  }

  /** Grows the buffer if `k` more bytes would not fit (a peer with very many allowed IPs). */
  private room(k: number): Uint8Array {
    if (this.n + k > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
      bigger.set(this.buf.subarray(0, this.n));
      this.buf = bigger;
    }
    return this.buf;
  }

  get full(): boolean {
    return this.n >= this.size;
  }

  text(s: string): void {
    const b = this.room(s.length);
    let n = this.n;
    for (let i = 0; i < s.length; i++) b[n++] = s.charCodeAt(i);
    this.n = n;
  }

  hex(k: Uint8Array): void {
    const b = this.room(2 * k.length);
    let n = this.n;
    for (let i = 0; i < k.length; i++) {
      b[n++] = HEX_CODES[k[i]! >> 4]!;
      b[n++] = HEX_CODES[k[i]! & 15]!;
    }
    this.n = n;
  }

  /** One `key=value` line. */
  line(key: string, value: string): void {
    this.text(key);
    this.text(value);
    this.room(1)[this.n++] = 10;
  }

  /** A non-negative integer (< 2^53) in decimal, without building a string. */
  dec(v: number): void {
    const b = this.room(16);
    if (v < 10) {
      b[this.n++] = 48 + v;
      return;
    }
    let digits = 0;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) digits++;
    let n = this.n + digits;
    this.n = n;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) b[--n] = 48 + (x % 10);
  }

  /** `key=<integer>\n`. */
  decLine(key: string, v: number): void {
    this.text(key);
    this.dec(v);
    this.room(1)[this.n++] = 10;
  }

  /** `allowed_ip=a.b.c.d/cidr\n` for IPv4, host bits masked, without intermediate strings. */
  ipv4Line(ip: Uint8Array, cidr: number): void {
    this.text('allowed_ip=');
    for (let i = 0; i < 4; i++) {
      const keep = cidr >= 8 * (i + 1) ? 8 : Math.max(0, cidr - 8 * i);
      this.dec(ip[i]! & ((0xff00 >> keep) & 0xff));
      this.room(1)[this.n++] = i < 3 ? 46 : 47; // '.' then '/'
    }
    this.dec(cidr);
    this.room(1)[this.n++] = 10;
  }

  take(): string {
    const s = ASCII.decode(this.buf.subarray(0, this.n));
    this.n = 0;
    return s;
  }
}

function peerLines(p: PeerSnapshot, w: AsciiChunker): void {
  w.text('public_key=');
  w.hex(p.publicKey);
  w.text('\npreshared_key=');
  if (p.presharedKey === null) w.text(ZERO_KEY_HEX);
  else w.hex(p.presharedKey);
  w.text('\nprotocol_version=1\n');
  if (p.endpoint !== null) w.line('endpoint=', formatEndpoint(p.endpoint));
  if (p.lastHandshakeWallMs > 0) {
    const t = splitWallMs(p.lastHandshakeWallMs);
    w.decLine('last_handshake_time_sec=', t.sec);
    w.decLine('last_handshake_time_nsec=', t.nsec);
  } else {
    w.text('last_handshake_time_sec=0\nlast_handshake_time_nsec=0\n');
  }
  w.decLine('tx_bytes=', counter(p.txBytes));
  w.decLine('rx_bytes=', counter(p.rxBytes));
  w.decLine('persistent_keepalive_interval=', counter(p.persistentKeepalive));
  for (const a of p.allowedIps) {
    if (a.ip.length === 4) w.ipv4Line(a.ip, a.cidr);
    else w.line('allowed_ip=', formatPrefix(a));
  }
}

/** A get reply's device part; the peers may be produced lazily, one at a time. */
export interface GetReplySource extends Omit<DeviceSnapshot, 'peers'> {
  readonly peers: Iterable<PeerSnapshot>;
}

/**
 * The get reply as consecutive strings of about `chunkBytes` each (the last
 * ends in `errno=0\n\n`); their concatenation is exactly formatGet(s). A
 * writer can send each one as the socket drains instead of holding the whole
 * reply, and peers are read from `s.peers` only as the text is needed.
 */
export function* formatGetChunks(s: GetReplySource, chunkBytes = 64 * 1024): Generator<string, void, undefined> {
  const w = new AsciiChunker(Math.max(256, chunkBytes));
  if (s.privateKey !== null && !isAllZero(s.privateKey)) {
    w.text('private_key=');
    w.hex(s.privateKey);
    w.text('\n');
  }
  if (s.listenPort !== 0) w.line('listen_port=', String(s.listenPort));
  if (s.fwmark !== 0) w.line('fwmark=', String(s.fwmark));
  for (const p of s.peers) {
    peerLines(p, w);
    if (w.full) yield w.take();
  }
  w.text(formatErrno(0));
  yield w.take();
}

/** The full get reply, ending in `errno=0\n\n`. */
export function formatGet(s: GetReplySource): string {
  let out = '';
  for (const chunk of formatGetChunks(s)) out = out === '' ? chunk : out + chunk;
  return out;
}

/**
 * The `key=value` lines of a set request meaning `d` (without `set=1` and the
 * terminating empty line), in the order wg(8) sends them; parseSet() of the
 * result gives back `d`.
 */
export function formatSetLines(d: ConfigDelta): string[] {
  const out: string[] = [];
  if (d.privateKey !== undefined) out.push(`private_key=${d.privateKey === null ? ZERO_KEY_HEX : toHex(d.privateKey)}`);
  if (d.listenPort !== undefined) out.push(`listen_port=${d.listenPort}`);
  if (d.fwmark !== undefined) out.push(`fwmark=${d.fwmark}`);
  if (d.replacePeers) out.push('replace_peers=true');
  for (const p of d.peers) {
    out.push(`public_key=${toHex(p.publicKey)}`);
    if (p.remove) out.push('remove=true');
    if (p.updateOnly) out.push('update_only=true');
    if (p.presharedKey !== undefined) {
      out.push(`preshared_key=${p.presharedKey === null ? ZERO_KEY_HEX : toHex(p.presharedKey)}`);
    }
    if (p.endpoint !== undefined) out.push(`endpoint=${formatEndpoint(p.endpoint)}`);
    if (p.persistentKeepalive !== undefined) out.push(`persistent_keepalive_interval=${p.persistentKeepalive}`);
    if (p.replaceAllowedIps) out.push('replace_allowed_ips=true');
    for (const a of p.allowedIps ?? []) out.push(`allowed_ip=${a.add ? '' : '-'}${formatPrefix(a)}`);
  }
  return out;
}
