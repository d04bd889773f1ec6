/**
 * The catalogue of figure ids the harness produces, by group, so the JSON
 * schema is stated in one place: the quick-run test checks a run against it
 * and docs/performance.md explains each id.
 */

export const PROVIDERS = ['noble', 'node'] as const;

/** End-to-end tunnel pairs, in the order one alternation round runs them. */
/** tswg-wggo: tswg sends to wireguard-go; wggo-tswg: wireguard-go sends to tswg (iperf3 always runs A→B). */
export const E2E_PAIRS = ['tswg-tswg', 'tswg-wggo', 'wggo-tswg', 'wggo-wggo', 'tswgnoble-tswgnoble'] as const;
export type E2ePair = (typeof E2E_PAIRS)[number];

/** The benchmark groups, in run order. */
export const GROUPS = ['crypto', 'handshake', 'datapath', 'io', 'scale', 'flood', 'setconf', 'e2e'] as const;
export type Group = (typeof GROUPS)[number];

export function figureIds(group: Group, lookupSizes: readonly number[]): string[] {
  switch (group) {
    case 'crypto':
      return PROVIDERS.flatMap((p) => [`crypto.${p}.seal1420`, `crypto.${p}.open1420`, `crypto.${p}.x25519`]);
    case 'handshake':
      return PROVIDERS.flatMap((p) => [`handshake.${p}.full`, `handshake.${p}.responder`, `handshake.${p}.responderCpu`, `handshake.${p}.responderOfBound`]);
    case 'datapath':
      return PROVIDERS.flatMap((p) => [`datapath.${p}.roundtrip`, `datapath.${p}.send`, `datapath.${p}.receive`]);
    case 'io':
      return ['io.dgram.loopback1452'];
    case 'scale':
      return [
        // v4/v6.<n>: the daemon's table (host index + trie) on a 90/10 host/shorter mix;
        // .hosts.<n>: host routes only; trie.v4.<n>: the bare trie on the same mix.
        ...lookupSizes.flatMap((n) => [
          `allowedips.v4.${n}`,
          `allowedips.v4.hosts.${n}`,
          `allowedips.v6.${n}`,
          `allowedips.v6.hosts.${n}`,
          `allowedips.trie.v4.${n}`,
        ]),
      ];
    case 'flood':
      return PROVIDERS.flatMap((p) => [`flood.${p}.responder`, `flood.${p}.responderCpu`, `flood.${p}.responderOfBound`]);
    case 'setconf':
      return ['setconf.tswg.seconds', 'setconf.tswg.rssMiB', 'setconf.wggo.seconds', 'setconf.wggo.rssMiB'];
    case 'e2e':
      return [
        'e2e.bare.rttMs',
        ...E2E_PAIRS.flatMap((p) => [
          `e2e.${p}.mbps`,
          ...(p === 'wggo-wggo' ? [] : [`e2e.${p}.ratio`]),
          `e2e.${p}.rttAddedMs`,
          `e2e.${p}.rttMedianAddedMs`,
          `e2e.${p}.rttP99Ms`,
          `e2e.${p}.cpuSecPerGB`,
          `e2e.${p}.retransmits`,
          `e2e.${p}.receiverDrops`,
        ]),
      ];
  }
}

/** Groups whose figures must all be measured for the run to count as working (no root, no daemon needed). */
export const IN_PROCESS_GROUPS: readonly Group[] = ['crypto', 'handshake', 'datapath', 'io', 'scale', 'flood'];
