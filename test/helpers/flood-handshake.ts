// Handshake-initiation flood generator, run inside an attacker namespace by
// test/floods (`ip netns exec <ns> node dist/test/helpers/flood-handshake.js
// <spec.json>`). Whitepaper §5.3: a flood of initiations with a VALID mac1
// forces the responder to do DH work until it declares itself under load and
// answers with cookie replies instead.
//  - The bulk flood cycles a pool of real initiations from random, unknown
//    static keys, round-robin over one UDP socket per source address. With
//    `useCookies`, a source that got a cookie reply adds mac2 from then on.
//  - The optional probe is a CONFIGURED peer key on its own source address:
//    fresh initiations (TAI64N stepping 20 ms, so none is a replay), mac2
//    once it has a cookie; the responses it gets show the per-IP limiter.
// Bounded by durationMs (sending) and timeoutMs (hard exit); a line "stop"
// on stdin ends the sending early. Prints "first-cookie <ms>" once, then
// "result <json>" and exits.
import { createSocket, type Socket } from 'node:dgram';
import { runFloodChild } from './flood-child.js';
import { selectProvider } from '../../src/crypto/select.js';
import { publicKeyOf } from '../../src/crypto/keys.js';
import { MESSAGE_COOKIE_REPLY, MESSAGE_RESPONSE } from '../../src/wire/constants.js';
import { RESPONSE_RECEIVER_OFFSET, readU32LE } from '../../src/wire/messages.js';
import { InitiationForge, type BuiltInitiation } from './flood-messages.js';

export interface HandshakeFloodSpec {
  target: string;
  port: number;
  /** Responder's static public key (base64). */
  responderPublic: string;
  /** Local addresses, one socket each (already configured on an interface). */
  sources: string[];
  /** Total initiations per second over all sources, sent evenly. */
  rate: number;
  /**
   * Instead of an even rate: `size` back-to-back initiations every `everyMs`.
   * Each burst lands in one receive batch and lifts the responder's backlog
   * over its threshold, so it stays under load (sticky 1 s) at a modest
   * average rate that its cheap path (mac1, cookie reply) easily handles.
   */
  burst?: { size: number; everyMs: number };
  durationMs: number;
  timeoutMs: number;
  /** Distinct unknown-key initiations to cycle through. */
  poolSize: number;
  useCookies: boolean;
  probe?: { source: string; privateKey: string; rate: number };
}

export interface ProbeResult {
  sent: number;
  sentWithMac2: number;
  /** ms since start of the first/last initiation carrying mac2 (-1: none). */
  firstMac2At: number;
  lastMac2At: number;
  cookieReplies: number;
  responses: number;
  responsesToMac2: number;
}

export interface HandshakeFloodResult {
  /** How long the flood was sent (the rate is sent / sendingMs). */
  sendingMs: number;
  elapsedMs: number;
  sent: number;
  sentWithMac2: number;
  sendErrors: number;
  cookieReplies: number;
  cookiesOpened: number;
  /** Sources that received at least one cookie reply. */
  sourcesWithCookie: number;
  otherReplies: number;
  firstCookieAt: number;
  /** Bulk initiations sent before the first cookie reply arrived. */
  sentAtFirstCookie: number;
  probe: ProbeResult | null;
}

interface Source {
  sock: Socket;
  cookie: Uint8Array | null;
}

const TICK_MS = 2;
/** At most this many datagrams per tick, so one late tick cannot burst without bound. */
const MAX_PER_TICK = 1000;
const SETTLE_MS = 600;
/** Probe messages remembered for matching replies (oldest forgotten first). */
const PROBE_MEMORY = 4096;

function bind(address: string): Promise<Socket> {
  const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address, port: 0 }, () => {
      sock.removeListener('error', reject);
      resolve(sock);
    });
  });
}

async function main(spec: HandshakeFloodSpec): Promise<HandshakeFloodResult> {
  const p = selectProvider('auto');
  const forge = new InitiationForge(p, new Uint8Array(Buffer.from(spec.responderPublic, 'base64')));
  const pool: BuiltInitiation[] = [];
  const bySender = new Map<number, BuiltInitiation>();
  for (let i = 0; i < spec.poolSize; i++) {
    const id = forge.strangerIdentity();
    const b = forge.initiation(id, forge.peerKeys(id), Date.now());
    pool.push(b);
    bySender.set(b.sender, b);
  }
  const start = Date.now();
  const res: HandshakeFloodResult = {
    sendingMs: 0,
    elapsedMs: 0,
    sent: 0,
    sentWithMac2: 0,
    sendErrors: 0,
    cookieReplies: 0,
    cookiesOpened: 0,
    sourcesWithCookie: 0,
    otherReplies: 0,
    firstCookieAt: -1,
    sentAtFirstCookie: 0,
    probe: null,
  };
  const sawCookie = (): void => {
    if (res.firstCookieAt >= 0) return;
    res.firstCookieAt = Date.now() - start;
    res.sentAtFirstCookie = res.sent;
    process.stdout.write(`first-cookie ${res.firstCookieAt}\n`);
  };
  const sources: Source[] = [];
  for (const addr of spec.sources) {
    const src: Source = { sock: await bind(addr), cookie: null };
    src.sock.on('error', () => res.sendErrors++);
    src.sock.on('message', (m: Buffer) => {
      if (m.length !== 64 || m[0] !== MESSAGE_COOKIE_REPLY) {
        res.otherReplies++;
        return;
      }
      res.cookieReplies++;
      sawCookie();
      if (src.cookie === null) res.sourcesWithCookie++;
      const b = bySender.get(InitiationForge.cookieReceiver(m));
      const cookie = b ? forge.openCookie(m, b.mac1) : null;
      if (cookie !== null) {
        res.cookiesOpened++;
        if (spec.useCookies) src.cookie = cookie;
        else src.cookie ??= cookie; // remembered only to count sources
      }
    });
    sources.push(src);
  }
  const probe = spec.probe ? await startProbe(forge, spec, start, sawCookie) : null;

  const onSent = (err: Error | null): void => {
    if (err) res.sendErrors++;
  };
  let stopped = false;
  process.stdin.on('data', (d: Buffer) => {
    if (d.toString().includes('stop')) stopped = true;
  });
  process.stdin.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    let k = 0;
    let credit = 0;
    let last = start;
    let nextBurst = start;
    const tick = (): void => {
      const now = Date.now();
      const elapsed = now - start;
      if (elapsed >= spec.durationMs || stopped) {
        res.sendingMs = elapsed;
        resolve();
        return;
      }
      let due: number;
      if (spec.burst) {
        due = now >= nextBurst ? Math.min(MAX_PER_TICK, spec.burst.size) : 0;
        if (due > 0) nextBurst = Math.max(nextBurst + spec.burst.everyMs, now);
      } else {
        credit = Math.min(MAX_PER_TICK, credit + (spec.rate * (now - last)) / 1000);
        due = Math.floor(credit);
        credit -= due;
      }
      last = now;
      for (let i = 0; i < due; i++, k++) {
        const src = sources[k % sources.length]!;
        const b = pool[k % pool.length]!;
        let msg = b.msg;
        if (spec.useCookies && src.cookie !== null) {
          msg = forge.withMac2(msg, src.cookie);
          res.sentWithMac2++;
        }
        src.sock.send(msg, spec.port, spec.target, onSent);
        res.sent++;
      }
      probe?.tick(elapsed);
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  res.elapsedMs = Date.now() - start;
  process.stdin.destroy();
  for (const s of sources) s.sock.close();
  if (probe) {
    probe.sock.close();
    res.probe = probe.result;
  }
  return res;
}

interface Probe {
  sock: Socket;
  result: ProbeResult;
  tick(elapsed: number): void;
}

async function startProbe(forge: InitiationForge, spec: HandshakeFloodSpec, start: number, sawCookie: () => void): Promise<Probe> {
  const cfg = spec.probe!;
  const privateKey = new Uint8Array(Buffer.from(cfg.privateKey, 'base64'));
  const local = { privateKey, publicKey: publicKeyOf(forge.p, privateKey) };
  const keys = forge.peerKeys(local);
  const sock = await bind(cfg.source);
  const result: ProbeResult = { sent: 0, sentWithMac2: 0, firstMac2At: -1, lastMac2At: -1, cookieReplies: 0, responses: 0, responsesToMac2: 0 };
  const sent = new Map<number, { mac1: Uint8Array; withMac2: boolean }>();
  let cookie: Uint8Array | null = null;
  const wallBase = Date.now();
  sock.on('error', () => undefined);
  sock.on('message', (m: Buffer) => {
    if (m.length === 64 && m[0] === MESSAGE_COOKIE_REPLY) {
      result.cookieReplies++;
      sawCookie();
      const s = sent.get(InitiationForge.cookieReceiver(m));
      const c = s ? forge.openCookie(m, s.mac1) : null;
      if (c !== null) cookie = c;
    } else if (m.length === 92 && m[0] === MESSAGE_RESPONSE) {
      const s = sent.get(readU32LE(m, RESPONSE_RECEIVER_OFFSET) >>> 0);
      if (s === undefined) return;
      result.responses++;
      if (s.withMac2) result.responsesToMac2++;
    }
  });
  return {
    sock,
    result,
    tick(elapsed: number): void {
      const due = Math.min(MAX_PER_TICK, Math.floor((cfg.rate * elapsed) / 1000) - result.sent);
      for (let i = 0; i < due; i++) {
        // 20 ms apart on the TAI64N clock: strictly newer even after the 2^24 ns whitening.
        const b = forge.initiation(local, keys, wallBase + result.sent * 20);
        let msg = b.msg;
        const withMac2 = cookie !== null;
        if (cookie !== null) {
          msg = forge.withMac2(msg, cookie);
          result.sentWithMac2++;
          if (result.firstMac2At < 0) result.firstMac2At = Date.now() - start;
          result.lastMac2At = Date.now() - start;
        }
        sent.set(b.sender, { mac1: b.mac1, withMac2 });
        if (sent.size > PROBE_MEMORY) sent.delete(sent.keys().next().value as number);
        sock.send(msg, spec.port, spec.target);
        result.sent++;
      }
    },
  };
}

runFloodChild<HandshakeFloodSpec, Awaited<ReturnType<typeof main>>>('flood-handshake', main);
