/**
 * WireGuard protocol constants: message types and sizes (whitepaper §5.4),
 * the construction/identifier/label strings that seed the handshake and the
 * mac1/cookie keys (whitepaper §5.4, §5.4.4, §5.4.7), and the timer/limit
 * constants of whitepaper §6.1 (values as in wireguard-go and the kernel).
 * Times are milliseconds; message counters are bigint because they exceed 2^53.
 */

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// Message types (whitepaper §5.4.2–§5.4.6); the first byte, followed by three zero bytes.
export const MESSAGE_INITIATION = 1;
export const MESSAGE_RESPONSE = 2;
export const MESSAGE_COOKIE_REPLY = 3;
export const MESSAGE_TRANSPORT = 4;

// Exact wire sizes; handshake messages must match exactly, transport is a minimum.
export const INITIATION_SIZE = 148;
export const RESPONSE_SIZE = 92;
export const COOKIE_REPLY_SIZE = 64;
export const TRANSPORT_HEADER_SIZE = 16;
export const AEAD_TAG_SIZE = 16;
/** Header plus an empty ciphertext's tag: a keepalive. */
export const TRANSPORT_MIN_SIZE = TRANSPORT_HEADER_SIZE + AEAD_TAG_SIZE;

/** Noise protocol name hashed into C0 (whitepaper §5.4 "Construction"). */
export const CONSTRUCTION = ascii('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s');
/** Prologue mixed into H0 (whitepaper §5.4 "Identifier"). */
export const IDENTIFIER = ascii('WireGuard v1 zx2c4 Jason@zx2c4.com');
/** mac1 key = HASH(LABEL_MAC1 ‖ receiver static public) (whitepaper §5.4.4). */
export const LABEL_MAC1 = ascii('mac1----');
/** Cookie reply key = HASH(LABEL_COOKIE ‖ static public) (whitepaper §5.4.7). */
export const LABEL_COOKIE = ascii('cookie--');

// Whitepaper §6.1 constants.
export const REKEY_AFTER_MESSAGES = 1n << 60n;
export const REJECT_AFTER_MESSAGES = (1n << 64n) - (1n << 13n) - 1n;
export const REKEY_AFTER_TIME_MS = 120_000;
export const REJECT_AFTER_TIME_MS = 180_000;
export const REKEY_ATTEMPT_TIME_MS = 90_000;
export const REKEY_TIMEOUT_MS = 5_000;
/** Retransmit jitter is random in [0, REKEY_TIMEOUT_JITTER_MAX_MS), i.e. 0..333 ms. */
export const REKEY_TIMEOUT_JITTER_MAX_MS = 334;
export const KEEPALIVE_TIMEOUT_MS = 10_000;
export const COOKIE_REFRESH_TIME_MS = 120_000;
/** A received cookie is used only while younger than COOKIE_REFRESH_TIME − this (kernel cookie.c). */
export const COOKIE_SECRET_LATENCY_MS = 5_000;
/** REKEY_ATTEMPT_TIME / REKEY_TIMEOUT. */
export const MAX_TIMER_HANDSHAKES = 18;
/** At most 50 initiations per second are consumed per peer (flood guard). */
export const INITIATION_MIN_INTERVAL_MS = 20;
export const UNDER_LOAD_AFTER_TIME_MS = 1_000;
export const MAX_STAGED_PACKETS = 128;
export const DEFAULT_MTU = 1420;
export const PADDING_MULTIPLE = 16;
