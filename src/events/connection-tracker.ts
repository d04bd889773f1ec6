/**
 * Connection tracker: turns the core's protocol facts (DeviceEvent) into
 * portal events, per webhook-research.md §5.4 and issue 4.
 *
 * Per peer: DOWN → (session.confirmed) → UP: `connect`. Rekeys (confirmed
 * while UP) emit nothing. A loss (session.expired, handshake.gave-up,
 * peer.silent, keys.zeroed while UP, interface.down) enters GRACE; if no
 * session is confirmed within `disconnect_grace` a single `disconnect` with
 * the first loss's reason and time is emitted, otherwise the peer returns to
 * UP silently (neither event). Local, final causes skip the grace (removal,
 * interface deletion, shutdown): nothing can reconnect, and the disconnect
 * must precede the delete. Timers run on the injected monotonic scheduler.
 */
import type { PeerStatus } from '../core/config.js';
import type { DeviceEvent, InterfaceStatus } from '../core/events.js';
import { toBase64 } from '../util/bytes.js';
import type { Clock } from '../util/ports.js';
import type { EventIdGenerator } from './event-id.js';
import {
  allowedIpStrings,
  interfaceConfigPayload,
  peerConfigPayload,
  peerStatusPayload,
  type ProbeState,
} from './payloads.js';
import {
  rfc3339,
  type PortalEntity,
  type PortalEnvelope,
  type PortalEvent,
  type PortalEventName,
  type PortalExtras,
  type PortalReason,
} from './portal-event.js';
import type { CancelTimer, ConnectedRecord, Scheduler, TrackerState } from './ports.js';

export interface TrackerOptions {
  readonly ifname: string;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly ids: EventIdGenerator;
  /** disconnect_grace in ms (0 = emit at once). */
  readonly graceMs: number;
  /** Display name for a peer (base64 public key → name), from the config's `peers:` map. */
  readonly peerName?: (publicKey: string) => string | undefined;
  /** Sequence numbers to continue from (restored from the journal). */
  readonly sequences?: Readonly<Record<string, number>>;
  /** Told when a peer becomes connected (record) or not (null), to persist it for crash reporting. */
  readonly onConnection?: (publicKey: string, rec: ConnectedRecord | null) => void;
  /** Receives every portal event, synchronously, in emission order. */
  readonly onEvent: (ev: PortalEvent) => void;
}

type LinkState = 'down' | 'up' | 'grace';

interface PeerTrack {
  readonly key: string;
  status: PeerStatus;
  state: LinkState;
  sessionStartWallMs: number;
  lossAtWallMs: number;
  lossReason: PortalReason;
  lossDetail: string | undefined;
  cancelGrace: CancelTimer | undefined;
  probe: ProbeState | undefined;
}

export class ConnectionTracker {
  private readonly peers = new Map<string, PeerTrack>();
  private readonly seq = new Map<string, number>();
  private readonly connectedRecs = new Map<string, ConnectedRecord>();
  private iface: InterfaceStatus | undefined;
  private graceMs: number;
  private peerName: (publicKey: string) => string | undefined;
  private stopped = false;

  constructor(private readonly opts: TrackerOptions) {
    this.graceMs = Math.max(0, opts.graceMs);
    this.peerName = opts.peerName ?? (() => undefined);
    for (const [k, n] of Object.entries(opts.sequences ?? {})) this.seq.set(k, n);
  }

  /** New settings from a reload; a grace already running keeps its deadline. */
  configure(graceMs: number, peerName?: (publicKey: string) => string | undefined): void {
    this.graceMs = Math.max(0, graceMs);
    this.peerName = peerName ?? (() => undefined);
  }

  /** Public keys (base64) of peers currently UP or in GRACE. */
  connectedPeers(): string[] {
    return [...this.peers.values()].filter((p) => p.state !== 'down').map((p) => p.key);
  }

  sequences(): Record<string, number> {
    return Object.fromEntries(this.seq);
  }

  /** What must survive a restart (written by journal compaction). */
  state(): TrackerState {
    return { sequences: this.sequences(), connected: Object.fromEntries(this.connectedRecs) };
  }

  /**
   * Start-up after a crash: peers the previous process had connected (and
   * never reported as disconnected) get their disconnect now, reason
   * `shutdown` with detail `restart`. The payload is the one sent with the
   * connect (counters as of then), IsConnected false; the loss time is
   * unknown, so occurredAt is now and no session duration is given.
   */
  restoreConnected(records: Readonly<Record<string, ConnectedRecord>>): void {
    const now = this.opts.clock.wallNow();
    for (const [key, rec] of Object.entries(records)) {
      if (this.peers.has(key)) continue;
      const payload = { ...rec.payload, IsConnected: false } as unknown as PortalEnvelope['payload'];
      this.emit('disconnect', 'peer', key, key, payload, now, {
        ...(rec.peerName !== undefined ? { peerName: rec.peerName } : {}),
        ...(rec.allowedIps ? { allowedIps: [...rec.allowedIps] } : {}),
        reason: 'shutdown',
        detail: 'restart',
      });
      this.opts.onConnection?.(key, null);
    }
  }

  /** Result of an in-tunnel liveness probe (fills IsPingable/LastPing in later payloads). */
  recordProbe(publicKey: string, pingable: boolean, atWallMs: number): void {
    const t = this.peers.get(publicKey);
    if (!t) return;
    t.probe = { pingable, lastPingWallMs: pingable ? atWallMs : (t.probe?.lastPingWallMs ?? 0) };
  }

  /** True if the peer (by its status) has a record here: it was seen by an event that was not skipped. */
  tracks(status: PeerStatus): boolean {
    return this.peers.size > 0 && this.peers.has(toBase64(status.publicKey));
  }

  /** Feeds one core event. Never throws on any well-typed input. */
  handle(ev: DeviceEvent): void {
    if (this.stopped) return;
    switch (ev.type) {
      case 'interface.up':
        this.iface = ev.iface;
        return;
      case 'interface.updated':
        this.iface = ev.iface;
        this.emitInterface('update', ev.at, ev.changes);
        return;
      case 'interface.down':
        this.iface = ev.iface;
        for (const t of this.peers.values()) this.lose(t, ev.at, 'interface-down', undefined);
        return;
      case 'peer.created': {
        const t = this.track(ev.peer);
        this.emitPeerConfig(t, 'create', ev.at, undefined);
        return;
      }
      case 'peer.updated': {
        const t = this.track(ev.peer);
        this.emitPeerConfig(t, 'update', ev.at, ev.changes);
        return;
      }
      case 'peer.removed': {
        const t = this.track(ev.peer);
        this.finalDisconnect(t, ev.at, 'removed');
        this.emitPeerConfig(t, 'delete', ev.at, undefined);
        this.peers.delete(t.key);
        return;
      }
      case 'session.confirmed': {
        const t = this.track(ev.peer);
        if (t.state === 'down') this.connect(t, ev.at, ev.peer.sessionStartWallMs || ev.at);
        else if (t.state === 'grace') this.resume(t); // reconnected within the grace: neither event
        // state 'up': a rekey (§5.4 rule 2) — no event.
        return;
      }
      case 'session.expired':
        this.lose(this.track(ev.peer), ev.at, 'expired', undefined);
        return;
      case 'keys.zeroed':
        this.lose(this.track(ev.peer), ev.at, 'expired', undefined);
        return;
      case 'handshake.gave-up':
        this.lose(this.track(ev.peer), ev.at, 'handshake-failed', undefined);
        return;
      case 'peer.silent':
        this.lose(this.track(ev.peer), ev.at, 'expired', 'silent');
        return;
      case 'handshake.initiated':
      case 'endpoint.changed':
        this.track(ev.peer);
        return;
    }
  }

  /** The runtime created the interface. */
  interfaceCreated(iface: InterfaceStatus): void {
    if (this.stopped) return;
    this.iface = iface;
    this.emitInterface('create', this.opts.clock.wallNow(), undefined);
  }

  /**
   * The interface is being deleted: for each peer a disconnect (if connected)
   * then a delete, then the interface delete (§5.6; wg-portal sends no per-peer deletes).
   */
  interfaceDeleted(iface?: InterfaceStatus): void {
    if (this.stopped) return;
    if (iface) this.iface = iface;
    const now = this.opts.clock.wallNow();
    for (const t of [...this.peers.values()]) {
      this.finalDisconnect(t, now, 'interface-down');
      this.emitPeerConfig(t, 'delete', now, undefined);
      this.peers.delete(t.key);
    }
    this.emitInterface('delete', now, undefined);
  }

  /**
   * The daemon stops: every connected peer gets its disconnect now (reason
   * shutdown, or the pending loss's reason if it was in its grace), because
   * the process will not be there when a grace ends. A pending
   * `interface-down` becomes `shutdown`: a daemon stopping its device emits
   * interface.down first, and a link that is still down when the daemon
   * stops is part of that stop. Later input is ignored.
   */
  shutdown(): void {
    if (this.stopped) return;
    const now = this.opts.clock.wallNow();
    for (const t of this.peers.values()) {
      if (t.state === 'grace' && t.lossReason === 'interface-down') t.lossReason = 'shutdown';
      this.finalDisconnect(t, now, 'shutdown');
    }
    this.stopped = true;
  }

  private track(status: PeerStatus): PeerTrack {
    const key = toBase64(status.publicKey);
    let t = this.peers.get(key);
    if (!t) {
      t = {
        key,
        status,
        state: 'down',
        sessionStartWallMs: 0,
        lossAtWallMs: 0,
        lossReason: 'expired',
        lossDetail: undefined,
        cancelGrace: undefined,
        probe: undefined,
      };
      this.peers.set(key, t);
    } else {
      t.status = status;
    }
    return t;
  }

  private connect(t: PeerTrack, atWallMs: number, sessionStartWallMs: number): void {
    t.state = 'up';
    t.sessionStartWallMs = sessionStartWallMs;
    const env = this.emitStatus(t, 'connect', atWallMs, { reason: 'handshake' });
    const name = this.peerName(t.key);
    const rec: ConnectedRecord = {
      payload: env.payload as unknown as Record<string, unknown>,
      sessionStartWallMs,
      ...(name !== undefined ? { peerName: name } : {}),
      allowedIps: allowedIpStrings(t.status),
    };
    this.connectedRecs.set(t.key, rec);
    this.opts.onConnection?.(t.key, rec);
  }

  private resume(t: PeerTrack): void {
    t.cancelGrace?.();
    t.cancelGrace = undefined;
    t.state = 'up';
  }

  /** A loss that may still be undone by a reconnect within the grace. */
  private lose(t: PeerTrack, atWallMs: number, reason: PortalReason, detail: string | undefined): void {
    if (t.state !== 'up') return; // already down, or the first loss in this grace wins
    t.state = 'grace';
    t.lossAtWallMs = atWallMs;
    t.lossReason = reason;
    t.lossDetail = detail;
    if (this.graceMs === 0) {
      this.emitDisconnect(t);
      return;
    }
    t.cancelGrace = this.opts.scheduler.setTimer(this.graceMs, () => {
      t.cancelGrace = undefined;
      if (t.state === 'grace' && this.peers.get(t.key) === t && !this.stopped) this.emitDisconnect(t);
    });
  }

  /** A loss nothing can undo: emit now (a pending grace is cut short and keeps its own reason). */
  private finalDisconnect(t: PeerTrack, atWallMs: number, reason: PortalReason): void {
    if (t.state === 'up') {
      t.lossAtWallMs = atWallMs;
      t.lossReason = reason;
      t.lossDetail = undefined;
    } else if (t.state !== 'grace') {
      return;
    }
    t.cancelGrace?.();
    t.cancelGrace = undefined;
    this.emitDisconnect(t);
  }

  private emitDisconnect(t: PeerTrack): void {
    t.state = 'down';
    const durationMs = Math.max(0, t.lossAtWallMs - t.sessionStartWallMs);
    this.emitStatus(t, 'disconnect', t.lossAtWallMs, {
      reason: t.lossReason,
      ...(t.lossDetail ? { detail: t.lossDetail } : {}),
      sessionDurationSeconds: Math.round(durationMs) / 1000,
    });
    if (this.connectedRecs.delete(t.key)) this.opts.onConnection?.(t.key, null);
  }

  private emitStatus(
    t: PeerTrack,
    event: 'connect' | 'disconnect',
    occurredWallMs: number,
    extra: Partial<PortalExtras>,
  ): PortalEnvelope {
    const payload = peerStatusPayload(t.status, event === 'connect', t.sessionStartWallMs, t.probe);
    return this.emit(event, 'peer', t.key, t.key, payload, occurredWallMs, {
      ...this.peerExtras(t),
      ...extra,
    });
  }

  private emitPeerConfig(
    t: PeerTrack,
    event: 'create' | 'update' | 'delete',
    atWallMs: number,
    changes: readonly string[] | undefined,
  ): void {
    const name = this.peerName(t.key);
    const payload = peerConfigPayload(t.status, this.opts.ifname, name);
    this.emit(event, 'peer', t.key, t.key, payload, atWallMs, {
      ...this.peerExtras(t),
      ...(changes ? { changes: [...changes] } : {}),
    });
  }

  private emitInterface(event: 'create' | 'update' | 'delete', atWallMs: number, changes?: readonly string[]): void {
    const iface: InterfaceStatus = this.iface ?? { publicKey: null, listenPort: 0, fwmark: 0, peerCount: 0 };
    const name = this.opts.ifname;
    this.emit(event, 'interface', name, `interface:${name}`, interfaceConfigPayload(iface, name), atWallMs, {
      ...(changes ? { changes: [...changes] } : {}),
    });
  }

  private peerExtras(t: PeerTrack): Partial<PortalExtras> {
    const name = this.peerName(t.key);
    return { ...(name !== undefined ? { peerName: name } : {}), allowedIps: allowedIpStrings(t.status) };
  }

  private emit(
    event: PortalEventName,
    entity: PortalEntity,
    identifier: string,
    key: string,
    payload: PortalEnvelope['payload'],
    occurredWallMs: number,
    extra: Partial<PortalExtras>,
  ): PortalEnvelope {
    const id = this.opts.ids.next();
    const sequence = (this.seq.get(key) ?? 0) + 1;
    this.seq.set(key, sequence);
    const tswg: PortalExtras = {
      eventId: id,
      sequence,
      interface: this.opts.ifname,
      occurredAt: rfc3339(occurredWallMs),
      emittedAt: rfc3339(this.opts.clock.wallNow()),
      ...extra,
    };
    const envelope: PortalEnvelope = { event, entity, identifier, payload, tswg };
    this.opts.onEvent({ id, key, envelope });
    return envelope;
  }
}
