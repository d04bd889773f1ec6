/**
 * `node dist/bench/cpu-probe.js <seconds>`: prints how many X25519 scalar
 * multiplications (node:crypto, keys already imported, as the responder's
 * DHs run them) this process completes per wall-clock second. one-core.ts
 * runs it pinned to each CPU in turn to find the core that is fastest at
 * the moment; wall-clock on purpose, since time the host takes a vCPU
 * away is not counted as this guest's CPU time.
 */
import { pathToFileURL } from 'node:url';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/keys.js';
import { nodeProvider } from '../src/crypto/node.js';
import { systemRandom } from '../src/io/system-ports.js';
import { rate } from './stats.js';

export function x25519WallRate(seconds: number): number {
  const priv = generatePrivateKey(systemRandom);
  const pub = publicKeyOf(nodeProvider, generatePrivateKey(systemRandom));
  return rate(() => {
    if (nodeProvider.x25519(priv, pub) === null) throw new Error('x25519 returned null');
  }, seconds, 16);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.argv[2] ?? '0.3');
  if (!(seconds > 0 && seconds <= 10)) {
    process.stderr.write('usage: cpu-probe.js <seconds, 0 < s ≤ 10>\n');
    process.exit(2);
  }
  process.stdout.write(`${Math.round(x25519WallRate(seconds))}\n`);
}
