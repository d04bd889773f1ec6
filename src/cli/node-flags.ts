/**
 * V8 flags the daemon process runs with. The background launcher passes
 * them to the foreground child it spawns, bin/tswg.js's shebang carries the
 * same list for `tswg -f` started directly, and the benchmark runs its
 * in-process groups with them, so what it measures is what the daemon runs.
 *
 * --max-semi-space-size=64 (MiB; Node 20 caps the young generation's
 * semi-spaces at 16): a handshake flood allocates ≈ 11 KB per handshake and
 * leaves two X25519 KeyObjects, native handles that only a collection
 * finalises. At 16 MiB a scavenge comes every ≈ 1,150 handshakes and
 * promotes what is still cached to the old generation. With 64 the flood
 * answered more handshakes per CPU-second in alternating runs (ninth
 * session, docs/performance.md): +8–11 % in a scratch flood, +10 %, +0 %
 * and +9 % of the X25519 bound in `--only handshake,flood` pairs. V8 grows
 * the semi-spaces towards the cap only under heavy allocation: an idle
 * daemon's RSS stayed at 94–95 MiB, and after `wg setconf` of 10,000 peers
 * it was 128–130 MiB against 134–142 without the flag.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
