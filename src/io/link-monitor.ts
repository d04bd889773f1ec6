/**
 * Follows one interface's kernel link state through rtnetlink (RTMGRP_LINK),
 * so the device can go up/down with the link, track MTU changes and exit when
 * the interface is deleted — what wireguard-go's netlink listener does
 * (protocol-checklist §12 "Link up", §10.5 `wg-quick down`).
 */
import { errnoName, loadNative, type NativeAddon, type NativeHandle } from './native.js';

/** One rtnetlink observation. `flags` are IFF_* bits; `mtu` 0 when the kernel omitted it. */
export type LinkEvent =
  | { type: 'change' | 'delete'; ifindex: number; name: string; flags: number; mtu: number }
  /** The kernel queue overflowed and events were lost: re-read the state. */
  | { type: 'resync' }
  /** The netlink socket failed; the monitor has stopped. */
  | { type: 'error'; errno: number; message: string };

export class LinkMonitor {
  private handle: NativeHandle | null;
  private readonly native: NativeAddon;

  private constructor(handle: NativeHandle, native: NativeAddon) {
    this.handle = handle;
    this.native = native;
  }

  /** Watches `ifindex` (0 = every interface). Throws a NativeError if netlink is unavailable. */
  static start(ifindex: number, onEvent: (e: LinkEvent) => void, native: NativeAddon = loadNative()): LinkMonitor {
    let monitor: LinkMonitor | null = null;
    const handle = native.startLinkWatch(ifindex, (kind, index, name, flags, mtu, errno) => {
      if (kind === 0 || kind === 1) {
        onEvent({ type: kind === 0 ? 'change' : 'delete', ifindex: index, name, flags, mtu });
      } else if (kind === 2) {
        onEvent({ type: 'resync' });
      } else {
        if (monitor) monitor.handle = null;
        onEvent({ type: 'error', errno, message: `rtnetlink socket failed: ${errnoName(errno)}` });
      }
    });
    monitor = new LinkMonitor(handle, native);
    return monitor;
  }

  /** Lets the process exit while the monitor runs. */
  unref(): this {
    if (this.handle) this.native.refHandle(this.handle, false);
    return this;
  }

  /** Stops watching and closes the netlink socket; idempotent. */
  close(): void {
    if (!this.handle) return;
    this.native.stopLinkWatch(this.handle);
    this.handle = null;
  }
}
