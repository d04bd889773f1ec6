// Regression tests for the secret leaks the fuzzers found (now fixed): a
// secret from a YAML file quoted in a syntax error, a token in a webhook URL
// used as the endpoint's name, a truncated key echoed by a UAPI/conf error.
// Details and the fuzz commands that found them are in docs/reliability.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventsConfig } from '../../src/events/config.js';
import { parseSet } from '../../src/uapi/parse.js';
import { parseConf } from '../../src/uapi/conf-file.js';
import { toBase64 } from '../../src/util/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { SecretScanner } from './secret-scanner.js';

const key = new SeededRandom(99).fill(new Uint8Array(32));
const b64 = toBase64(key);
const scanner = new SecretScanner().addKey('key', key);

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('expected an error');
}

test(
  'events config: a YAML syntax error does not quote a secret from the file',
  () => {
    const r = parseEventsConfig(`[a]\nsecret: "whsec_${b64}"\n`, 'events.yaml');
    assert.equal(r.ok, false);
    if (!r.ok) for (const m of r.errors) scanner.assertClean(m, 'events config error');
  },
);

test(
  'events config: a duplicate endpoint name does not quote a token carried in the URL',
  () => {
    const url = `https://hooks.example/api/webhooks/1/${b64.slice(0, 30)}`;
    const r = parseEventsConfig(`webhooks:\n  - url: ${url}\n  - url: ${url}\n`, 'events.yaml');
    assert.equal(r.ok, false);
    if (!r.ok) for (const m of r.errors) scanner.assertClean(m, 'events config error');
  },
);

test(
  'UAPI / config file: a key truncated below 40 characters and put in the wrong field is not quoted',
  () => {
    scanner.assertClean(errorOf(() => parseSet([`listen_port=${b64.slice(0, 39)}`])), 'UapiError');
    scanner.assertClean(errorOf(() => parseConf(`[Interface]\nListenPort = ${b64.slice(0, 39)}\n`)), 'ConfFileError');
  },
);
