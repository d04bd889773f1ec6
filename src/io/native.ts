/**
 * Loader and typed surface of the tswg native addon (native/*.c, built by
 * node-gyp during `npm ci` into build/Release/tswg_native.node). The addon
 * does Linux OS plumbing Node lacks — TUN ioctls, non-blocking batched reads,
 * SO_MARK, rtnetlink link events (docs/design.md "Native code") — and no
 * protocol logic. Errors it throws are `NativeError`s: `.code` is the errno
 * name ('EPERM'), `.errno` the positive errno value, `.syscall` the call.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';

/** An opaque reader / watcher handle; stopping twice is harmless. */
export type NativeHandle = { readonly __tswgNativeHandle: unique symbol };

/** Error thrown by the addon (and by `loadNative` when it is missing). */
export interface NativeError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/**
 * Batch callback of `startReader`. `code` 0: `count` packets are packed back
 * to back in `buffer` (fresh memory per batch, safe to keep views into) and
 * their lengths are in the caller's `lengths` array (valid during the call
 * only). `code` ≠ 0: fatal, the reader has stopped; a positive errno (EBADFD
 * = TUN deleted), or -1 for end of file.
 */
export type ReaderCallback = (code: number, buffer: Uint8Array | undefined, count: number) => void;

/** rtnetlink callback: kind 0 = new/changed, 1 = deleted, 2 = events lost (resync), 3 = fatal (errno set). */
export type LinkWatchCallback = (
  kind: 0 | 1 | 2 | 3,
  ifindex: number,
  name: string,
  flags: number,
  mtu: number,
  errno: number,
) => void;

export interface NativeAddon {
  /** TUNSETIFF IFF_TUN|IFF_NO_PI (+IFF_VNET_HDR); '' or a '%d' template lets the kernel pick the name. */
  openTun(name: string, vnetHdr: boolean): { fd: number; name: string };
  /** TUNGETIFF on an inherited fd; also sets O_NONBLOCK. `flags` are the IFF_* TUN flags. */
  tunInfo(fd: number): { name: string; flags: number };
  /** One packet per write(2): bytes written or -errno (-EAGAIN = dropped). Never blocks, never throws for I/O. */
  writeTun(fd: number, packet: Uint8Array): number;
  /** Writes packets[0..count) until the first failure: count written, or -errno if the first fails. */
  writeTunMany(fd: number, packets: readonly Uint8Array[], count: number): number;
  closeFd(fd: number): void;
  /** TUNSETOFFLOAD (TUN_F_* bits) on an IFF_VNET_HDR device; throws a NativeError if refused. */
  setTunOffload(fd: number, flags: number): void;
  /**
   * One writev per write i in [first, n): the 10-byte virtio_net_hdr at hdrs[10i]
   * then counts[i] parts (write `first` starts at parts[partStart]). Returns how
   * many were written, or -errno when write `first` fails; never blocks.
   */
  writeTunVnet(
    fd: number,
    hdrs: Uint8Array,
    counts: Uint32Array,
    parts: readonly Uint8Array[],
    first: number,
    n: number,
    partStart: number,
  ): number;
  /** Starts the uv_poll-driven reader; `lengths.length` must be ≥ maxBatch, maxPacket 576..65600. */
  startReader(fd: number, maxBatch: number, maxPacket: number, lengths: Uint32Array, cb: ReaderCallback): NativeHandle;
  stopReader(handle: NativeHandle): void;
  /** errno name and text from the C library ('' name if unknown). */
  errnoString(errno: number): { name: string; message: string };
  /** Whether a reader/watcher keeps the process alive (default: it does). */
  refHandle(handle: NativeHandle, ref: boolean): void;
  getMtu(name: string): number;
  setMtu(name: string, mtu: number): void;
  /** SIOCGIFFLAGS bits; see IFF_UP / IFF_RUNNING. */
  getFlags(name: string): number;
  ifIndex(name: string): number;
  setSockMark(fd: number, mark: number): void;
  getSockMark(fd: number): number;
  /** SO_{RCV,SND}BUFFORCE with fallback to the capped options; returns what the kernel reports. */
  setSockBuffers(fd: number, bytes: number): { rcv: number; snd: number };
  /** Watches RTMGRP_LINK; `ifindex` 0 = all interfaces. */
  startLinkWatch(ifindex: number, cb: LinkWatchCallback): NativeHandle;
  stopLinkWatch(handle: NativeHandle): void;
  /** A bound non-blocking UDP socket (family 6 is v6-only); throws a NativeError (EADDRINUSE, …). */
  udpSocket(family: 4 | 6, address: Uint8Array, port: number): { fd: number; port: number };
  /**
   * uv_poll + recvmmsg reader: cb(0, buffer, count) per batch, datagrams packed
   * back to back, lengths[i] and 20-byte source records in `addrs` ([0] family,
   * [2..4) port big-endian, [4..) address) valid during the call only. Both hold
   * maxBatch × 64 entries (a UDP_GRO message is split into its datagrams).
   */
  startUdpReader(fd: number, maxBatch: number, lengths: Uint32Array, addrs: Uint8Array, cb: ReaderCallback): NativeHandle;
  stopUdpReader(handle: NativeHandle): void;
  /**
   * sendmmsg of datagrams[start, start+count) to one address: how many went, or
   * -errno if the first failed. With gso, equal-sized runs go as UDP GSO sends
   * (-EIO: the device cannot; retry without).
   */
  udpSendMany(
    fd: number,
    datagrams: readonly Uint8Array[],
    start: number,
    count: number,
    family: 4 | 6,
    address: Uint8Array,
    port: number,
    gso: boolean,
  ): number;
  /** Probes UDP_SEGMENT support and (if asked) enables UDP_GRO on a socket. */
  udpOffloads(fd: number, gro: boolean): { gso: boolean; gro: boolean };
}

/** Interface flag bits (linux/if.h). */
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
/** TUN flag bits (linux/if_tun.h). */
export const IFF_VNET_HDR = 0x4000;

const ADDON_FILE = 'tswg_native.node';
let cached: NativeAddon | undefined;

function candidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const list = [
    join(here, '..', '..', '..', 'build', 'Release', ADDON_FILE), // dist/src/io → repo root
    join(here, '..', '..', 'build', 'Release', ADDON_FILE), // src/io → repo root
  ];
  const override = process.env.TSWG_NATIVE_ADDON;
  return override ? [override, ...list] : list;
}

/** Loads the addon once. Throws a NativeError (code ERR_TSWG_NATIVE_MISSING) with a fix if it is not built. */
export function loadNative(): NativeAddon {
  if (cached) return cached;
  const paths = candidates();
  const found = paths.find((p) => existsSync(p));
  if (found === undefined) {
    const err = new Error(
      `tswg native addon not found (looked for ${paths.join(', ')}); run \`npm ci\` ` +
        '(or `npx node-gyp rebuild`) in the tswg package directory to build it',
    ) as NativeError;
    err.code = 'ERR_TSWG_NATIVE_MISSING';
    err.errno = 0;
    err.syscall = 'dlopen';
    throw err;
  }
  const require = createRequire(import.meta.url);
  cached = require(found) as NativeAddon;
  return cached;
}

/** Name of a positive errno for messages ('EBADFD'); 'EOF' for -1. */
export function errnoName(errno: number): string {
  if (errno === -1) return 'EOF';
  try {
    const name = loadNative().errnoString(errno).name;
    if (name !== '') return name;
  } catch {
    // addon missing: fall back to libuv's smaller table
  }
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
