/**
 * Applying a parsed configuration change (UAPI set / config file; checklist
 * §10.3; wireguard-go uapi.go semantics) in one step: everything is validated
 * first and an invalid delta changes nothing. Then, in wireguard-go's order:
 * private key (recompute static-static, drop a peer that equals our new
 * public key, expire current keypairs), listen port / fwmark, replace_peers,
 * then each peer section (remove, update_only, PSK, endpoint, persistent
 * keepalive, replace_allowed_ips, allowed_ip ±). Emits peer.* and interface.updated.
 */
import { clampPrivateKey, publicKeyOf } from '../crypto/keys.js';
import { constantTimeEqual, isAllZero } from '../util/bytes.js';
import { REJECT_AFTER_MESSAGES } from '../wire/constants.js';
import type { AllowedIp, ConfigDelta, PeerDelta } from './config.js';
import { sameEndpoint } from './endpoint.js';
import type { InterfaceStatus } from './events.js';
import { peerId, type Peer, type PeerContext } from './peer.js';
import { sendKeepalive, sendStagedPackets } from './send.js';

/** The device internals config application works on. */
export interface ConfigHost {
  readonly ctx: PeerContext;
  readonly peers: Map<string, Peer>;
  readonly isUp: boolean;
  listenPort: number;
  fwmark: number;
  /** Installs a new identity (null = none) and updates the cookie checker. */
  setIdentity(privateKey: Uint8Array | null, publicKey: Uint8Array | null): void;
  createPeer(publicKey: Uint8Array): Peer;
  removePeer(peer: Peer): void;
  interfaceStatus(): InterfaceStatus;
}

const isInt = (v: unknown, lo: number, hi: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

const isKey = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length === 32;

function validatePeer(p: PeerDelta, i: number): string | null {
  const where = `peer ${i + 1}`;
  if (!isKey(p.publicKey)) return `${where}: public key must be 32 bytes`;
  if (p.presharedKey !== undefined && p.presharedKey !== null && !isKey(p.presharedKey))
    return `${where}: preshared key must be 32 bytes`;
  if (p.endpoint !== undefined) {
    const e = p.endpoint;
    if (e === null || typeof e.address !== 'string' || e.address === '' || !isInt(e.port, 1, 65535))
      return `${where}: invalid endpoint`;
  }
  if (p.persistentKeepalive !== undefined && !isInt(p.persistentKeepalive, 0, 65535))
    return `${where}: persistent keepalive must be 0..65535`;
  for (const a of p.allowedIps ?? []) {
    const ok =
      a.ip instanceof Uint8Array &&
      ((a.ip.length === 4 && isInt(a.cidr, 0, 32)) || (a.ip.length === 16 && isInt(a.cidr, 0, 128)));
    if (!ok) return `${where}: invalid allowed IP`;
  }
  return null;
}

/** Checks the whole delta; returns an error message or null. Pure. */
export function validateDelta(delta: ConfigDelta): string | null {
  if (delta === null || typeof delta !== 'object' || !Array.isArray(delta.peers)) return 'malformed configuration';
  if (delta.privateKey !== undefined && delta.privateKey !== null && !isKey(delta.privateKey))
    return 'private key must be 32 bytes';
  if (delta.listenPort !== undefined && !isInt(delta.listenPort, 0, 65535)) return 'listen port must be 0..65535';
  if (delta.fwmark !== undefined && !isInt(delta.fwmark, 0, 0xffff_ffff)) return 'fwmark must be a 32-bit value';
  for (let i = 0; i < delta.peers.length; i++) {
    const err = validatePeer(delta.peers[i]!, i);
    if (err) return err;
  }
  return null;
}

// Keys (private, preshared) are compared in constant time even here, off the
// network path: nothing about a secret should depend on how early bytes differ.
const equalBytes = (a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean =>
  a === b || (!!a && !!b && constantTimeEqual(a, b));

const prefixKey = (a: AllowedIp): string => `${Array.from(a.ip).join('.')}/${a.cidr}`;

/** Validates then applies `delta`. Returns an error (nothing changed) or null. */
export function applyDelta(host: ConfigHost, delta: ConfigDelta, now: number): string | null {
  const err = validateDelta(delta);
  if (err) return err;
  const ctx = host.ctx;
  const emit = ctx.effects.emit.bind(ctx.effects);
  const changes: string[] = [];

  if (delta.privateKey !== undefined) {
    const given = delta.privateKey;
    const priv = given === null || isAllZero(given) ? null : clampPrivateKey(given.slice());
    if (!equalBytes(priv, ctx.local?.privateKey ?? null)) {
      const pub = priv === null ? null : publicKeyOf(ctx.crypto, priv);
      host.setIdentity(priv, pub);
      // wireguard-go SetPrivateKey: a peer with our own public key cannot exist.
      if (pub !== null) {
        const self = host.peers.get(peerId(pub));
        if (self) host.removePeer(self);
      }
      for (const peer of host.peers.values()) {
        peer.recomputeStaticStatic();
        peer.expireCurrentKeypairs(now, REJECT_AFTER_MESSAGES);
      }
      changes.push('privateKey');
    }
  }
  if (delta.listenPort !== undefined && delta.listenPort !== 0 && delta.listenPort !== host.listenPort) {
    host.listenPort = delta.listenPort;
    changes.push('listenPort');
  }
  if (delta.fwmark !== undefined && delta.fwmark !== host.fwmark) {
    host.fwmark = delta.fwmark;
    changes.push('fwmark');
  }
  if (changes.length > 0) {
    emit({ type: 'interface.updated', at: ctx.clock.wallNow(), iface: host.interfaceStatus(), changes });
  }
  if (delta.replacePeers) for (const peer of [...host.peers.values()]) host.removePeer(peer);

  const ownPublic = ctx.local?.publicKey ?? null;
  for (const pd of delta.peers) {
    if (ownPublic !== null && equalBytes(pd.publicKey, ownPublic)) continue; // wireguard-go ignores it
    applyPeer(host, pd, now);
  }
  return null;
}

function applyPeer(host: ConfigHost, pd: PeerDelta, now: number): void {
  const ctx = host.ctx;
  let peer = host.peers.get(peerId(pd.publicKey));
  if (pd.remove) {
    if (peer) host.removePeer(peer);
    return;
  }
  let created = false;
  if (!peer) {
    if (pd.updateOnly) return;
    peer = host.createPeer(pd.publicKey);
    created = true;
  }
  const changes: string[] = [];
  if (pd.presharedKey !== undefined) {
    const before = peer.hasPresharedKey ? peer.keys.presharedKey.slice() : null;
    peer.setPresharedKey(pd.presharedKey);
    const after = peer.hasPresharedKey ? peer.keys.presharedKey : null;
    if (!equalBytes(before, after)) changes.push('presharedKey');
  }
  if (pd.endpoint !== undefined && !sameEndpoint(peer.endpoint, pd.endpoint)) {
    peer.endpoint = { address: pd.endpoint.address, port: pd.endpoint.port };
    changes.push('endpoint');
  }
  let pkaTurnedOn = false;
  if (pd.persistentKeepalive !== undefined && pd.persistentKeepalive !== peer.persistentKeepalive) {
    pkaTurnedOn = peer.persistentKeepalive === 0 && pd.persistentKeepalive > 0;
    peer.setPersistentKeepalive(pd.persistentKeepalive);
    changes.push('persistentKeepalive');
  }
  if (pd.replaceAllowedIps || (pd.allowedIps !== undefined && pd.allowedIps.length > 0)) {
    // A new peer reports peer.created, not a change list: skip the comparison (bulk loads).
    const before = created ? '' : peer.allowedIps().map(prefixKey).sort().join(',');
    if (pd.replaceAllowedIps && !created) ctx.allowedIps.removeByPeer(peer);
    for (const a of pd.allowedIps ?? []) {
      if (a.add) ctx.allowedIps.insert(a.ip, a.cidr, peer);
      else ctx.allowedIps.remove(a.ip, a.cidr, peer);
    }
    if (!created && peer.allowedIps().map(prefixKey).sort().join(',') !== before) changes.push('allowedIps');
  }
  const at = ctx.clock.wallNow();
  if (created) ctx.effects.emit({ type: 'peer.created', at, peer: peer.status() });
  else if (changes.length > 0) ctx.effects.emit({ type: 'peer.updated', at, peer: peer.status(), changes });
  // wireguard-go handlePostConfig: start, keepalive if PKA was just turned on, flush.
  if (host.isUp) {
    peer.start(now);
    if (pkaTurnedOn) sendKeepalive(peer, now);
    sendStagedPackets(peer, now);
  }
}
