/**
 * The `tswg` package entry point, for embedding an interface in a Node
 * program without the CLI (docs/events.md "Embedding"). Everything here is
 * also reachable by file path under dist/src; this file only re-exports the
 * supported surface. The crypto primitives have their own entry, `tswg/crypto`.
 */
// Running an interface: TUN + UDP + timers around the protocol core.
export { Daemon, type DaemonOptions, type DaemonEvents } from './runtime/daemon.js';
export { Tun, type LinkState } from './io/tun.js';
export { UapiServer, uapiSocketPath } from './io/uapi-server.js';
export { createLogger, parseLogLevel, type Logger, type LogLevel } from './runtime/logger.js';

// Events and webhooks.
export {
  createEventPipeline,
  loadEventsConfig,
  defaultStateDir,
  ConfigError,
  type EventPipeline,
  type EventPipelineOptions,
  type PipelineStats,
} from './runtime/webhooks.js';
export { parseEventsConfig, defaultEventsConfig, type EventsConfig } from './events/config.js';
export type * from './events/portal-event.js';

// The sans-IO protocol core, for custom I/O (tests, simulations, other transports).
export { Device, type DeviceOptions } from './core/device.js';
export type { Effects, DropReason, DropCounters } from './core/effects.js';
export type { DeviceEvent, DeviceEventType, InterfaceStatus } from './core/events.js';
export type { ConfigDelta, PeerDelta, AllowedIp, AllowedIpChange, PeerStatus, PeerSnapshot, DeviceSnapshot } from './core/config.js';
export { formatEndpoint, sameEndpoint, type Endpoint } from './core/endpoint.js';

// Configuration text: the UAPI protocol and wg / wg-quick files.
export { parseSet } from './uapi/parse.js';
export { formatGet } from './uapi/format.js';
export { parseConf, ConfFileError, type ConfFile } from './uapi/conf-file.js';
export { UapiError } from './uapi/errors.js';

// Small helpers the examples use.
export { fromBase64, toBase64, fromHex, toHex } from './util/bytes.js';
export { parseEndpoint, parsePrefix, formatPrefix, parseIp, formatIp } from './util/ip.js';
export { generatePrivateKey, generatePresharedKey, publicKeyOf } from './crypto/keys.js';
export { selectProvider, type CryptoChoice } from './crypto/select.js';
