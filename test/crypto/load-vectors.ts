// Test helper: loads a vectors/*.json file (resolved from dist/test/crypto
// back to the repository root) and lists the providers every vector runs on.
import { readFileSync } from 'node:fs';
import { nobleProvider } from '../../src/crypto/noble.js';
import { nodeProvider } from '../../src/crypto/node.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { fromHex } from '../../src/util/bytes.js';

export const PROVIDERS: readonly CryptoProvider[] = [nobleProvider, nodeProvider];

export function loadVectors<T>(name: string): T & { source: string } {
  const url = new URL(`../../../vectors/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T & { source: string };
}

/** Hex to bytes; throws on malformed hex so a broken vector file fails loudly. */
export function h(hex: string): Uint8Array {
  const b = fromHex(hex);
  if (b === null) throw new Error(`bad hex in vector: ${hex.slice(0, 20)}…`);
  return b;
}
