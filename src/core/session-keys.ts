/**
 * The transport keys a finished handshake hands over (whitepaper §5.4.5;
 * protocol-checklist §3.5): one Kdf2 of the final chaining key, split by
 * role. Kept apart from handshake.ts, which builds and consumes the two
 * messages that lead here.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { kdf2 } from '../crypto/kdf.js';
import type { Handshake } from './handshake.js';

const EMPTY = new Uint8Array(0);

export interface SessionKeys {
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  isInitiator: boolean;
  localIndex: number;
  remoteIndex: number;
}

/**
 * Transport keys, whitepaper §5.4.5 / checklist §3.5:
 * "(T_send_i = T_recv_r, T_recv_i = T_send_r) := Kdf2(Ci = Cr, ε)".
 * Initiator (response-consumed): send = T1, receive = T2; responder
 * (response-created): receive = T1, send = T2. Wipes C, H and the ephemeral,
 * resets hs to none (the indices now belong to the keypair). Null in any other state.
 */
export function deriveSession(p: CryptoProvider, hs: Handshake): SessionKeys | null {
  let isInitiator: boolean;
  if (hs.state === 'response-consumed') isInitiator = true;
  else if (hs.state === 'response-created') isInitiator = false;
  else return null;
  if (!hs.chainingKey) return null;
  const [t1, t2] = kdf2(p, hs.chainingKey, EMPTY);
  const keys: SessionKeys = {
    sendKey: isInitiator ? t1 : t2,
    receiveKey: isInitiator ? t2 : t1,
    isInitiator,
    localIndex: hs.localIndex,
    remoteIndex: hs.remoteIndex,
  };
  hs.clear();
  return keys;
}
