/**
 * The client side of `get=1` (what wg(8) does in ipc-uapi.h): reply text →
 * DeviceSnapshot. Unknown keys are ignored like wg does; a malformed line or
 * a non-zero errno is an error.
 */
import type { AllowedIp, DeviceSnapshot, PeerSnapshot } from '../core/config.js';
import type { Endpoint } from '../core/endpoint.js';
import { fromHex, isAllZero } from '../util/bytes.js';
import { parseEndpoint, parsePrefix } from '../util/ip.js';

interface MutablePeer {
  publicKey: Uint8Array;
  presharedKey: Uint8Array | null;
  endpoint: Endpoint | null;
  persistentKeepalive: number;
  allowedIps: AllowedIp[];
  lastSec: number;
  lastNsec: number;
  rxBytes: number;
  txBytes: number;
}

function key(v: string, line: number): Uint8Array {
  const k = fromHex(v);
  if (!k || k.length !== 32) throw new Error(`get reply line ${line}: bad key`);
  return k;
}

function num(v: string, line: number): number {
  if (!/^\d+$/.test(v)) throw new Error(`get reply line ${line}: bad number`);
  return Number(v);
}

export function parseGetReply(text: string, publicKeyOf?: (priv: Uint8Array) => Uint8Array): DeviceSnapshot {
  let privateKey: Uint8Array | null = null;
  let listenPort = 0;
  let fwmark = 0;
  let errno: number | null = null;
  const peers: MutablePeer[] = [];
  let peer: MutablePeer | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`get reply line ${i + 1}: no '='`);
    const k = l.slice(0, eq);
    const v = l.slice(eq + 1);
    if (k === 'errno') {
      errno = Number(v);
      continue;
    }
    if (k === 'public_key') {
      peer = {
        publicKey: key(v, i + 1),
        presharedKey: null,
        endpoint: null,
        persistentKeepalive: 0,
        allowedIps: [],
        lastSec: 0,
        lastNsec: 0,
        rxBytes: 0,
        txBytes: 0,
      };
      peers.push(peer);
      continue;
    }
    if (peer === null) {
      if (k === 'private_key') privateKey = key(v, i + 1);
      else if (k === 'listen_port') listenPort = num(v, i + 1);
      else if (k === 'fwmark') fwmark = num(v, i + 1);
      continue;
    }
    switch (k) {
      case 'preshared_key': {
        const p = key(v, i + 1);
        peer.presharedKey = isAllZero(p) ? null : p;
        break;
      }
      case 'endpoint':
        peer.endpoint = parseEndpoint(v);
        break;
      case 'persistent_keepalive_interval':
        peer.persistentKeepalive = num(v, i + 1);
        break;
      case 'allowed_ip': {
        const p = parsePrefix(v);
        if (!p) throw new Error(`get reply line ${i + 1}: bad allowed_ip`);
        peer.allowedIps.push(p);
        break;
      }
      case 'last_handshake_time_sec':
        peer.lastSec = num(v, i + 1);
        break;
      case 'last_handshake_time_nsec':
        peer.lastNsec = num(v, i + 1);
        break;
      case 'rx_bytes':
        peer.rxBytes = num(v, i + 1);
        break;
      case 'tx_bytes':
        peer.txBytes = num(v, i + 1);
        break;
    }
  }
  if (errno === null) throw new Error('get reply has no errno line');
  if (errno !== 0) throw new Error(`get failed (errno=${errno})`);
  const out: PeerSnapshot[] = peers.map((p) => ({
    publicKey: p.publicKey,
    presharedKey: p.presharedKey,
    hasPresharedKey: p.presharedKey !== null,
    endpoint: p.endpoint,
    persistentKeepalive: p.persistentKeepalive,
    allowedIps: p.allowedIps,
    lastHandshakeWallMs: p.lastSec * 1000 + Math.floor(p.lastNsec / 1e6),
    sessionStartWallMs: 0,
    rxBytes: p.rxBytes,
    txBytes: p.txBytes,
  }));
  return {
    privateKey,
    publicKey: privateKey && publicKeyOf ? publicKeyOf(privateKey) : null,
    listenPort,
    fwmark,
    peers: out,
  };
}
