/**
 * A configured peer's handshake inputs (whitepaper §5.4.2): its static public
 * key, the preshared key Q and DH(S_priv, S_remote). wireguard-go precomputes
 * that DH when the peer is configured; here it is computed on first use (the
 * first handshake with the peer), so loading 10,000 peers costs no X25519 at
 * all. A low-order remote key still yields null at first use — the peer
 * cannot handshake (checklist §3.1 step 4) and its initiations are dropped.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { wipe } from '../util/bytes.js';
import type { LocalIdentity, PeerHandshakeKeys } from './handshake.js';

/** What the static-static DH depends on: the provider and the device's current identity. */
export interface StaticStaticSource {
  readonly crypto: CryptoProvider;
  readonly local: LocalIdentity | null;
}

export class PeerKeys implements PeerHandshakeKeys {
  /** 32 zero bytes if none is configured (whitepaper §5.4: Q). */
  presharedKey: Uint8Array;
  private cached: Uint8Array | null = null;
  /** The identity `cached` belongs to; undefined = not computed yet. */
  private cachedFor: LocalIdentity | undefined = undefined;

  constructor(
    private readonly source: StaticStaticSource,
    readonly remoteStatic: Uint8Array,
    presharedKey: Uint8Array,
  ) {
    this.presharedKey = presharedKey;
  }

  /**
   * DH(S_priv, S_remote), computed once per local identity; null without a
   * private key or when the result is all zero (low-order remote key). A new
   * identity object (private key change) recomputes it automatically.
   */
  get staticStatic(): Uint8Array | null {
    const local = this.source.local;
    if (local === null) return null;
    if (this.cachedFor !== local) {
      this.invalidate();
      this.cached = this.source.crypto.x25519(local.privateKey, this.remoteStatic);
      this.cachedFor = local;
    }
    return this.cached;
  }

  /** Wipes the cached DH; the next use recomputes it (call when the private key changes). */
  invalidate(): void {
    wipe(this.cached);
    this.cached = null;
    this.cachedFor = undefined;
  }
}
