// Every fuzz target, in the order the runner and the smoke test use.
import type { FuzzTarget } from './target.js';
import { PACKET_TARGETS } from './packet-targets.js';
import { IP_TARGET } from './ip-target.js';
import { UAPI_TARGETS } from './uapi-targets.js';
import { EVENTS_TARGET } from './events-target.js';

export const TARGETS: readonly FuzzTarget[] = [...PACKET_TARGETS, IP_TARGET, ...UAPI_TARGETS, EVENTS_TARGET];
