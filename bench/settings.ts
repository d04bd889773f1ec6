/**
 * Knobs shared by every benchmark group: how long one sample runs, how many
 * repetitions make a figure, and the sizes of the scale tests. `--quick`
 * shrinks everything so CI can run the whole harness in well under two
 * minutes (it asserts nothing about speed, only that the harness works).
 */

export interface BenchSettings {
  readonly quick: boolean;
  /** Repetitions per figure (median and min–max are over these). */
  readonly reps: number;
  /** Seconds of work per in-process sample. */
  readonly rateSeconds: number;
  /** Seconds per iperf3 run. */
  readonly iperfSeconds: number;
  /** Rounds of the alternating A B C … e2e sequence. */
  readonly e2eRounds: number;
  /**
   * Pings per RTT sample, 10 ms apart (100 = 1 s in the full run). A
   * sample's figure moves with the host's slow spells, which last seconds:
   * with one 50-ping sample per pair and round, the same pair's added RTT
   * moved by ±0.2 ms between rounds, and one 200-ping sample per round
   * still left the three-round median to chance (session 5: tswg ahead in
   * two rounds of three and behind by median). Hence rttCycles.
   */
  readonly pingCount: number;
  /**
   * RTT samples per pair and round, taken in cycles that alternate the
   * pairs (A B C … A B C …) before the round's iperf3 runs, so every pair
   * is sampled across the same stretch of host speed.
   */
  readonly rttCycles: number;
  /** Peers loaded with `wg setconf`. */
  readonly setconfPeers: number;
  /** Initiations in the responder flood (each from its own peer and source endpoint). */
  readonly floodInitiations: number;
  /**
   * Rounds of the flood (each peer initiating once per round) in one timed
   * sample, and distinct initiations per bare-responder sample. A responder
   * collects young garbage about every 1,100 handshakes, ≈ 18 ms each with
   * the ephemerals' native handles to finalise: a 500-handshake sample
   * either held a scavenge or not (per-sample rates of ≈ 5,600 and ≈ 4,000
   * alternated), so its median was a coin toss between two figures, neither
   * of them the rate. A sample of 4,000 carries three or four, as a long
   * flood does.
   */
  readonly floodRounds: number;
  readonly responderBatch: number;
  /** Repetitions of the slow figures (flood, setconf), capped to keep a full run near 10 minutes. */
  readonly slowReps: number;
  /** Fresh interfaces per implementation for the setconf figure (≈ 20–35 s each for 10,000 peers on a loaded box). */
  readonly setconfReps: number;
  /** Prefix counts for the AllowedIps lookup table. */
  readonly lookupSizes: readonly number[];
}

export function settingsFor(quick: boolean): BenchSettings {
  return quick
    ? {
        quick,
        reps: 1,
        rateSeconds: 0.15,
        iperfSeconds: 3,
        e2eRounds: 1,
        pingCount: 5,
        rttCycles: 1,
        setconfPeers: 500,
        floodInitiations: 100,
        floodRounds: 1,
        responderBatch: 100,
        slowReps: 1,
        setconfReps: 1,
        lookupSizes: [10, 1_000, 10_000],
      }
    : {
        quick,
        reps: 5,
        rateSeconds: 1,
        iperfSeconds: 10,
        e2eRounds: 3,
        pingCount: 100,
        rttCycles: 3,
        setconfPeers: 10_000,
        floodInitiations: 500,
        floodRounds: 8,
        responderBatch: 4_000,
        slowReps: 3,
        setconfReps: 2,
        lookupSizes: [10, 1_000, 10_000],
      };
}
