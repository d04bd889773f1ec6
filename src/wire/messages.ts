/**
 * Codecs for the four WireGuard messages (whitepaper §5.4.2–§5.4.6;
 * protocol-checklist §2): field offsets, a one-step (type, length) classifier
 * and zero-copy views. The first four bytes are read as one little-endian u32,
 * so non-zero reserved bytes make a message "unknown" exactly as in the
 * reference implementations. All integers are little-endian.
 */
import {
  COOKIE_REPLY_SIZE,
  INITIATION_SIZE,
  MESSAGE_COOKIE_REPLY,
  MESSAGE_INITIATION,
  MESSAGE_RESPONSE,
  MESSAGE_TRANSPORT,
  RESPONSE_SIZE,
  TRANSPORT_MIN_SIZE,
} from './constants.js';

// Handshake initiation, 148 bytes (whitepaper §5.4.2).
export const INITIATION_SENDER_OFFSET = 4;
export const INITIATION_EPHEMERAL_OFFSET = 8;
export const INITIATION_STATIC_OFFSET = 40; // 32 + 16 tag
export const INITIATION_TIMESTAMP_OFFSET = 88; // 12 + 16 tag
export const INITIATION_MAC1_OFFSET = 116;
export const INITIATION_MAC2_OFFSET = 132;

// Handshake response, 92 bytes (whitepaper §5.4.3).
export const RESPONSE_SENDER_OFFSET = 4;
export const RESPONSE_RECEIVER_OFFSET = 8;
export const RESPONSE_EPHEMERAL_OFFSET = 12;
export const RESPONSE_EMPTY_OFFSET = 44; // 0 + 16 tag
export const RESPONSE_MAC1_OFFSET = 60;
export const RESPONSE_MAC2_OFFSET = 76;

// Cookie reply, 64 bytes (whitepaper §5.4.7).
export const COOKIE_RECEIVER_OFFSET = 4;
export const COOKIE_NONCE_OFFSET = 8; // 24-byte XChaCha20 nonce
export const COOKIE_ENCRYPTED_OFFSET = 32; // 16 + 16 tag

// Transport data, 16-byte header (whitepaper §5.4.6).
export const TRANSPORT_RECEIVER_OFFSET = 4;
export const TRANSPORT_COUNTER_OFFSET = 8;
export const TRANSPORT_CONTENT_OFFSET = 16;

export const MAC_SIZE = 16;
export const KEY_SIZE = 32;

export type MessageType = 1 | 2 | 3 | 4;

export function readU32LE(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

export function writeU32LE(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

export function readU64LE(buf: Uint8Array, off: number): bigint {
  return BigInt(readU32LE(buf, off)) | (BigInt(readU32LE(buf, off + 4)) << 32n);
}

export function writeU64LE(buf: Uint8Array, off: number, v: bigint): void {
  writeU32LE(buf, off, Number(v & 0xffffffffn));
  writeU32LE(buf, off + 4, Number((v >> 32n) & 0xffffffffn));
}

/**
 * The message type if `buf` is a well-formed WireGuard message, else 0:
 * unknown type, non-zero reserved bytes, or a wrong length (handshake
 * messages exact, transport at least 32 bytes) — protocol-checklist §2.
 */
export function classify(buf: Uint8Array): MessageType | 0 {
  if (buf.length < 4) return 0;
  const header = readU32LE(buf, 0); // type ‖ 3 reserved bytes as one u32
  const len = buf.length;
  if (header === MESSAGE_INITIATION && len === INITIATION_SIZE) return MESSAGE_INITIATION;
  if (header === MESSAGE_RESPONSE && len === RESPONSE_SIZE) return MESSAGE_RESPONSE;
  if (header === MESSAGE_COOKIE_REPLY && len === COOKIE_REPLY_SIZE) return MESSAGE_COOKIE_REPLY;
  if (header === MESSAGE_TRANSPORT && len >= TRANSPORT_MIN_SIZE) return MESSAGE_TRANSPORT;
  return 0;
}

/** Writes type ‖ three zero reserved bytes. */
export function writeHeader(buf: Uint8Array, type: MessageType): void {
  writeU32LE(buf, 0, type);
}

/** mac1/mac2 offsets for a handshake message type, or null for other types. */
export function macOffsets(type: number): { mac1: number; mac2: number } | null {
  if (type === MESSAGE_INITIATION) return { mac1: INITIATION_MAC1_OFFSET, mac2: INITIATION_MAC2_OFFSET };
  if (type === MESSAGE_RESPONSE) return { mac1: RESPONSE_MAC1_OFFSET, mac2: RESPONSE_MAC2_OFFSET };
  return null;
}

/** Zero-copy view of a handshake initiation; every field is a subarray of the input. */
export interface InitiationView {
  senderIndex: number;
  ephemeral: Uint8Array;
  encryptedStatic: Uint8Array;
  encryptedTimestamp: Uint8Array;
  mac1: Uint8Array;
  mac2: Uint8Array;
}

export interface ResponseView {
  senderIndex: number;
  receiverIndex: number;
  ephemeral: Uint8Array;
  encryptedNothing: Uint8Array;
  mac1: Uint8Array;
  mac2: Uint8Array;
}

export interface CookieReplyView {
  receiverIndex: number;
  nonce: Uint8Array;
  encryptedCookie: Uint8Array;
}

export interface TransportView {
  receiverIndex: number;
  counter: bigint;
  /** Ciphertext ‖ tag (at least 16 bytes). */
  content: Uint8Array;
}

export function parseInitiation(buf: Uint8Array): InitiationView | null {
  if (classify(buf) !== MESSAGE_INITIATION) return null;
  return {
    senderIndex: readU32LE(buf, INITIATION_SENDER_OFFSET),
    ephemeral: buf.subarray(INITIATION_EPHEMERAL_OFFSET, INITIATION_STATIC_OFFSET),
    encryptedStatic: buf.subarray(INITIATION_STATIC_OFFSET, INITIATION_TIMESTAMP_OFFSET),
    encryptedTimestamp: buf.subarray(INITIATION_TIMESTAMP_OFFSET, INITIATION_MAC1_OFFSET),
    mac1: buf.subarray(INITIATION_MAC1_OFFSET, INITIATION_MAC2_OFFSET),
    mac2: buf.subarray(INITIATION_MAC2_OFFSET, INITIATION_SIZE),
  };
}

export function parseResponse(buf: Uint8Array): ResponseView | null {
  if (classify(buf) !== MESSAGE_RESPONSE) return null;
  return {
    senderIndex: readU32LE(buf, RESPONSE_SENDER_OFFSET),
    receiverIndex: readU32LE(buf, RESPONSE_RECEIVER_OFFSET),
    ephemeral: buf.subarray(RESPONSE_EPHEMERAL_OFFSET, RESPONSE_EMPTY_OFFSET),
    encryptedNothing: buf.subarray(RESPONSE_EMPTY_OFFSET, RESPONSE_MAC1_OFFSET),
    mac1: buf.subarray(RESPONSE_MAC1_OFFSET, RESPONSE_MAC2_OFFSET),
    mac2: buf.subarray(RESPONSE_MAC2_OFFSET, RESPONSE_SIZE),
  };
}

export function parseCookieReply(buf: Uint8Array): CookieReplyView | null {
  if (classify(buf) !== MESSAGE_COOKIE_REPLY) return null;
  return {
    receiverIndex: readU32LE(buf, COOKIE_RECEIVER_OFFSET),
    nonce: buf.subarray(COOKIE_NONCE_OFFSET, COOKIE_ENCRYPTED_OFFSET),
    encryptedCookie: buf.subarray(COOKIE_ENCRYPTED_OFFSET, COOKIE_REPLY_SIZE),
  };
}

export function parseTransport(buf: Uint8Array): TransportView | null {
  if (classify(buf) !== MESSAGE_TRANSPORT) return null;
  return {
    receiverIndex: readU32LE(buf, TRANSPORT_RECEIVER_OFFSET),
    counter: readU64LE(buf, TRANSPORT_COUNTER_OFFSET),
    content: buf.subarray(TRANSPORT_CONTENT_OFFSET),
  };
}

/**
 * Writes a transport header (type 4, receiver index, counter) into the first
 * 16 bytes of `buf`; the caller seals the payload into the rest.
 */
export function writeTransportHeader(buf: Uint8Array, receiverIndex: number, counter: bigint): void {
  writeHeader(buf, MESSAGE_TRANSPORT);
  writeU32LE(buf, TRANSPORT_RECEIVER_OFFSET, receiverIndex);
  writeU64LE(buf, TRANSPORT_COUNTER_OFFSET, counter);
}

/** The sender index of a classified handshake message (initiation or response). */
export function handshakeSenderIndex(buf: Uint8Array): number {
  return readU32LE(buf, INITIATION_SENDER_OFFSET); // same offset (4) in both handshake messages
}
