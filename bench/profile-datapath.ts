/**
 * Profiling entry for the in-memory data path: drives packets through two
 * wired Devices with one provider for a while, so `node --cpu-prof` sees only
 * the per-packet path (no setup, no other provider).
 *   node --cpu-prof --cpu-prof-dir=/tmp/p dist/bench/profile-datapath.js node|noble [seconds] [roundtrip|send|receive]
 */
import { nobleProvider } from '../src/crypto/noble.js';
import { nodeProvider } from '../src/crypto/node.js';
import { receiveOnlyRate, roundTripRate, sendOnlyRate, wiredPair } from './datapath-bench.js';

const which = process.argv[2] ?? 'node';
const seconds = Number(process.argv[3] ?? 5);
const mode = process.argv[4] ?? 'roundtrip';
const p = which === 'noble' ? nobleProvider : nodeProvider;
const w = wiredPair(p);
let r: number;
if (mode === 'send') r = sendOnlyRate(w, seconds);
else if (mode === 'receive') r = receiveOnlyRate(w, Math.round(seconds * 30_000));
else r = roundTripRate(w, seconds);
process.stdout.write(`${p.name} ${mode}: ${Math.round(r)} packets/s\n`);
