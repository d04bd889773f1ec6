/**
 * Scale through the real UAPI (issue 5): 10,000 peers (one /32 each) loaded
 * with `wg setconf` into a freshly started, running interface — wall time of
 * the command and the daemon's RSS afterwards — for tswg and, as the
 * reference, wireguard-go. Each repetition uses a new interface in a
 * namespace of the bench lab (test/helpers/netns.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, type Netns } from '../test/helpers/netns.js';
import { startInterface, stopInterface, wg, type Impl } from '../test/helpers/impl.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/keys.js';
import { nodeProvider } from '../src/crypto/node.js';
import { systemRandom } from '../src/io/system-ports.js';
import { toBase64 } from '../src/util/bytes.js';
import { cpuSeconds, rssMiB } from './procstat.js';
import { profileEnv, withEnv } from './child-env.js';
import { errorText, missing, nowSeconds, summarize, type Results } from './stats.js';
import type { BenchSettings } from './settings.js';

/**
 * A peer public key. Not test/helpers genKeyPair(): on Node 20, 10,000
 * generateKeyPairSync + JWK exports in a row deadlocked the main thread
 * (a KeyGenJob destructor run by GC inside ExportJWK waits on a mutex the
 * export holds), so keys are derived from random scalars instead.
 */
function peerPublicKey(): string {
  return toBase64(publicKeyOf(nodeProvider, generatePrivateKey(systemRandom)));
}

/** A wg(8) config with `peers` peers; allowed IPs 198.19.x.y/32 (RFC 2544 benchmarking space). */
export function bigConfig(privateKey: string, listenPort: number, peers: number): string {
  const lines = ['[Interface]', `PrivateKey = ${privateKey}`, `ListenPort = ${listenPort}`, ''];
  for (let k = 0; k < peers; k++) {
    lines.push('[Peer]', `PublicKey = ${peerPublicKey()}`, `AllowedIPs = 198.19.${(k >> 8) & 0xff}.${k & 0xff}/32`, '');
  }
  return lines.join('\n');
}

async function oneLoad(ns: Netns, impl: Impl, peers: number, profileDir: string | null): Promise<{ seconds: number; rss: number; idleRss: number }> {
  const env = impl === 'tswg' && profileDir !== null ? profileEnv(profileDir) : {};
  const iface = await withEnv(env, () => startInterface(ns, impl, { listenPort: 51820 }));
  try {
    const file = join(ns.lab.tmpDir, `${iface.ifname}-big.conf`);
    writeFileSync(file, bigConfig(iface.keys.privateKey, 51820, peers), { mode: 0o600 });
    cpuSeconds(iface.pid); // the daemon must be alive before we time it
    const idleRss = rssMiB(iface.pid); // up, keyed, no peers: what the load adds is rss − idleRss
    const t0 = nowSeconds();
    await ns.run(['wg', 'setconf', iface.ifname, file], { timeoutMs: 120_000 });
    const seconds = nowSeconds() - t0;
    // Confirm the daemon really holds every peer (a silently truncated load must not look fast).
    const dump = await wg(ns, ['show', iface.ifname, 'peers']);
    const n = dump.stdout.split('\n').filter((l) => l.trim().length > 0).length;
    if (n !== peers) throw new Error(`${impl} reports ${n} peers after loading ${peers}`);
    return { seconds, rss: rssMiB(iface.pid), idleRss };
  } finally {
    await stopInterface(iface).catch(() => undefined);
  }
}

export async function runSetconfBench(results: Results, s: BenchSettings, log: (l: string) => void, profileDir: string | null = null): Promise<void> {
  const lab = Lab.create();
  try {
    const ns = await lab.addNamespace();
    const reps = s.setconfReps;
    for (const [impl, tag] of [['tswg', 'tswg'], ['wireguard-go', 'wggo']] as const) {
      const secs: number[] = [];
      const rss: number[] = [];
      const idle: number[] = [];
      try {
        for (let r = 0; r < reps; r++) {
          const m = await oneLoad(ns, impl, s.setconfPeers, profileDir);
          log(`setconf ${impl}: ${s.setconfPeers} peers in ${m.seconds.toFixed(2)} s, RSS ${m.rss.toFixed(0)} MiB (idle before the load ${m.idleRss.toFixed(0)} MiB)`);
          secs.push(m.seconds);
          rss.push(m.rss);
          idle.push(m.idleRss);
        }
        const note = `${s.setconfPeers} peers, fresh interface per run`;
        const idleMedian = [...idle].sort((a, b) => a - b)[Math.floor(idle.length / 2)]!;
        results.set(`setconf.${tag}.seconds`, summarize('s', secs, note));
        results.set(`setconf.${tag}.rssMiB`, summarize('MiB', rss, `${note}; RSS after the load and a \`wg show peers\` (idle before it: ${idleMedian.toFixed(0)} MiB)`));
      } catch (err) {
        log(`setconf ${impl} failed: ${errorText(err)}`);
        results.set(`setconf.${tag}.seconds`, missing('unavailable', 's', `${impl}: ${errorText(err)}`));
        results.set(`setconf.${tag}.rssMiB`, missing('unavailable', 'MiB', `${impl}: ${errorText(err)}`));
      }
    }
  } finally {
    await lab.cleanup();
  }
}
