// Fuzz targets for the UAPI `set` parser (parseSet) and the wg / wg-quick
// configuration file parser (parseConf). Inputs are built from the real key
// names (cross-platform UAPI; wg(8) CONFIGURATION FILE FORMAT; wg-quick(8))
// with plain values, random strings and planted key material in every
// position. Invariants: parseSet returns or throws UapiError with EINVAL or
// EPROTO; parseConf returns or throws ConfFileError; no error message holds
// any 16-character run of a planted key in any encoding.
import fc from 'fast-check';
import { parseSet } from '../../src/uapi/parse.js';
import { EINVAL, EPROTO, UapiError } from '../../src/uapi/errors.js';
import { ConfFileError, parseConf } from '../../src/uapi/conf-file.js';
import { plainValue, plantedKeys, renderSecret, scannerFor, secretRef, type SecretRef } from './secret-inputs.js';
import { runProperty, type FuzzTarget } from './target.js';

const UAPI_KEYS = [
  'private_key',
  'listen_port',
  'fwmark',
  'replace_peers',
  'public_key',
  'preshared_key',
  'endpoint',
  'persistent_keepalive_interval',
  'replace_allowed_ips',
  'allowed_ip',
  'remove',
  'update_only',
  'protocol_version',
  'last_handshake_time_sec',
  'rx_bytes',
  'Private_Key',
  '',
];

type Part = { readonly s: string } | { readonly secret: SecretRef };

const part: fc.Arbitrary<Part> = fc.oneof(
  { weight: 3, arbitrary: plainValue.map((s) => ({ s })) },
  { weight: 2, arbitrary: secretRef.map((secret) => ({ secret })) },
);

function render(keys: readonly Uint8Array[], p: Part): string {
  return 'secret' in p ? renderSecret(keys, p.secret) : p.s;
}

interface KvLine {
  readonly key: Part;
  readonly value: Part;
  /** 0: key=value, 1: no '=', 2: key=value=value, 3: value only */
  readonly shape: number;
}

function kvLine(keyNames: readonly string[]): fc.Arbitrary<KvLine> {
  return fc.record({
    key: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...keyNames).map((s) => ({ s })) }, { weight: 1, arbitrary: part }),
    value: part,
    shape: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  });
}

function renderKv(keys: readonly Uint8Array[], l: KvLine, sep: string): string {
  const k = render(keys, l.key);
  const v = render(keys, l.value);
  return [`${k}${sep}${v}`, `${k}${v}`, `${k}${sep}${v}${sep}${v}`, v][l.shape]!;
}

function checkMessage(keys: readonly Uint8Array[], msg: string, where: string): void {
  scannerFor(keys).assertClean(msg, where);
}

// ---- parseSet ----

const setInput = fc.record({ keys: plantedKeys, lines: fc.array(kvLine(UAPI_KEYS), { maxLength: 12 }) });

export function checkParseSet(input: { keys: Uint8Array[]; lines: KvLine[] }): void {
  const lines = input.lines.map((l) => renderKv(input.keys, l, '='));
  try {
    parseSet(lines);
  } catch (e) {
    if (!(e instanceof UapiError)) throw new Error(`parseSet threw ${String(e)} (not a UapiError)`);
    if (e.errno !== EINVAL && e.errno !== EPROTO) throw new Error(`parseSet errno ${e.errno}`);
    checkMessage(input.keys, e.message, 'UapiError message');
  }
}

// ---- parseConf ----

const CONF_KEYS = [
  'PrivateKey',
  'ListenPort',
  'FwMark',
  'Address',
  'DNS',
  'MTU',
  'Table',
  'PreUp',
  'PostUp',
  'PreDown',
  'PostDown',
  'SaveConfig',
  'PublicKey',
  'PresharedKey',
  'AllowedIPs',
  'Endpoint',
  'PersistentKeepalive',
  'privatekey',
  'PRESHAREDKEY',
  'Bogus',
];
const SECTIONS = ['[Interface]', '[Peer]', '[interface]', '[ Peer ]', '[Bogus]', '[', 'Interface]'];

type ConfLine =
  | { readonly kind: 'section'; readonly name: string }
  | { readonly kind: 'kv'; readonly line: KvLine; readonly sep: string }
  | { readonly kind: 'comment'; readonly text: Part }
  | { readonly kind: 'raw'; readonly text: Part };

const confLine: fc.Arbitrary<ConfLine> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...SECTIONS).map((name) => ({ kind: 'section' as const, name })) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('kv' as const), line: kvLine(CONF_KEYS), sep: fc.constantFrom(' = ', '=', '\t=  ') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('comment' as const), text: part }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), text: part }) },
);

const confInput = fc.record({
  keys: plantedKeys,
  lines: fc.array(confLine, { maxLength: 14 }),
  mode: fc.constantFrom('wg' as const, 'wg-quick' as const),
  append: fc.boolean(),
  crlf: fc.boolean(),
});

function renderConfLine(keys: readonly Uint8Array[], l: ConfLine): string {
  switch (l.kind) {
    case 'section':
      return l.name;
    case 'kv':
      return renderKv(keys, l.line, l.sep);
    case 'comment':
      return `# ${render(keys, l.text)}`;
    case 'raw':
      return render(keys, l.text);
  }
}

export function checkParseConf(input: { keys: Uint8Array[]; lines: ConfLine[]; mode: 'wg' | 'wg-quick'; append: boolean; crlf: boolean }): void {
  const text = input.lines.map((l) => renderConfLine(input.keys, l)).join(input.crlf ? '\r\n' : '\n');
  try {
    parseConf(text, { mode: input.mode, append: input.append });
  } catch (e) {
    if (!(e instanceof ConfFileError)) throw new Error(`parseConf threw ${String(e)} (not a ConfFileError)`);
    checkMessage(input.keys, e.message, 'ConfFileError message');
  }
}

export const UAPI_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'uapi-set',
    kind: 'parser',
    description: 'parseSet on key=value lines with planted keys',
    run: (opts) => runProperty(fc.property(setInput, checkParseSet), opts),
  },
  {
    name: 'conf-file',
    kind: 'parser',
    description: 'parseConf (wg and wg-quick modes, setconf/addconf) with planted keys',
    run: (opts) => runProperty(fc.property(confInput, checkParseConf), opts),
  },
];
