// Delivery over real HTTPS: a CA, a server certificate for 127.0.0.1 and a
// client certificate are generated in the test with the openssl CLI. The
// custom CA makes delivery work, its absence makes it fail (retried, never
// delivered), `insecure` skips verification, and a client certificate
// satisfies a receiver that requires mTLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventsConfig, type EventsConfig } from '../../src/events/config.js';
import { createEventPipeline } from '../../src/runtime/webhooks.js';
import { created } from './fixtures.js';
import { Receiver, memoryLogger, waitFor } from './receiver.js';

let dir = '';
let pem: { ca: string; key: string; cert: string };

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

before(async () => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch {
    throw new Error('the openssl CLI is required for the HTTPS webhook tests (apt-get install openssl)');
  }
  dir = await mkdtemp(join(tmpdir(), 'tswg-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tswg test CA']);
  for (const [name, usage, san] of [
    ['server', 'serverAuth', 'subjectAltName=IP:127.0.0.1\n'],
    ['client', 'clientAuth', ''],
  ] as const) {
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=tswg-${name}`]);
    await writeFile(join(dir, `${name}.ext`), `${san}basicConstraints=CA:FALSE\nextendedKeyUsage=${usage}\n`);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  }
  pem = {
    ca: await readFile(join(dir, 'ca.pem'), 'utf8'),
    key: await readFile(join(dir, 'server.key'), 'utf8'),
    cert: await readFile(join(dir, 'server.pem'), 'utf8'),
  };
});

after(() => rm(dir, { recursive: true, force: true }));

function config(yaml: string): EventsConfig {
  const r = parseEventsConfig(yaml, 'test.yaml');
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

async function deliverOne(t: { after(fn: () => Promise<void>): void }, rx: Receiver, tls: string) {
  const state = await mkdtemp(join(tmpdir(), 'tswg-tls-state-'));
  const logger = memoryLogger();
  const p = await createEventPipeline({
    ifname: 'wg0',
    stateDir: state,
    logger,
    config: config(`webhooks:\n  - name: tls\n    url: ${rx.url()}\n    retry: { initial_interval: 20ms, max_interval: 50ms }\n    tls: ${tls}\n`),
  });
  t.after(async () => {
    await p.close({ shutdown: false, flushTimeoutMs: 0 });
    await rm(state, { recursive: true, force: true });
  });
  p.handle(created(1, Date.now()));
  return { p, logger };
}

test('HTTPS with the custom CA file: delivered', async (t) => {
  const rx = await Receiver.https({ key: pem.key, cert: pem.cert });
  t.after(() => rx.close());
  const { p } = await deliverOne(t, rx, `{ ca_file: "${join(dir, 'ca.pem')}" }`);
  await waitFor(() => p.stats().queued === 0, 10_000, 'delivery over TLS');
  assert.equal(rx.requests.length, 1);
  assert.equal(rx.requests[0]!.json.event, 'create');
  assert.equal(p.stats().endpoints['tls']!.delivered, 1);
});

test('HTTPS without the CA: the certificate is rejected, retried, never delivered', async (t) => {
  const rx = await Receiver.https({ key: pem.key, cert: pem.cert });
  t.after(() => rx.close());
  const { p, logger } = await deliverOne(t, rx, '{ insecure: false }');
  await waitFor(() => p.stats().endpoints['tls']!.retried >= 3, 10_000, 'retries');
  assert.equal(rx.requests.length, 0);
  assert.equal(p.stats().endpoints['tls']!.delivered, 0);
  assert.equal(p.stats().queued, 1, 'the event stays queued');
  assert.ok(logger.lines.some((l) => /certificate|self.signed|UNABLE_TO/i.test(l)), logger.lines.join('\n'));
});

test('HTTPS with insecure: true skips verification (and says so in the log)', async (t) => {
  const rx = await Receiver.https({ key: pem.key, cert: pem.cert });
  t.after(() => rx.close());
  const { p, logger } = await deliverOne(t, rx, '{ insecure: true }');
  await waitFor(() => p.stats().queued === 0, 10_000, 'delivery');
  assert.equal(rx.requests.length, 1);
  assert.ok(logger.lines.some((l) => /NOT verified/.test(l)));
});

test('mTLS: the client certificate is presented to a receiver that requires one', async (t) => {
  const rx = await Receiver.https({ key: pem.key, cert: pem.cert, ca: pem.ca, requestCert: true, rejectUnauthorized: true });
  t.after(() => rx.close());
  const tls = `{ ca_file: "${join(dir, 'ca.pem')}", cert_file: "${join(dir, 'client.pem')}", key_file: "${join(dir, 'client.key')}" }`;
  const { p } = await deliverOne(t, rx, tls);
  await waitFor(() => p.stats().queued === 0, 10_000, 'delivery with a client certificate');
  assert.equal(rx.requests[0]!.clientCn, 'tswg-client');
});

test('an unreadable TLS file is a clear error at startup and on reload (nothing changes)', async (t) => {
  const bad = config(`webhooks:\n  - url: https://127.0.0.1:1/\n    tls: { ca_file: "${join(dir, 'missing.pem')}" }\n`);
  await assert.rejects(createEventPipeline({ ifname: 'wg0', stateDir: null, config: bad, logger: memoryLogger() }), /tls\.ca_file .*missing\.pem.*ENOENT/);
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: null, config: config('{}'), logger: memoryLogger() });
  t.after(() => p.close());
  assert.throws(() => p.reload(bad), /ENOENT/);
  assert.deepEqual(Object.keys(p.stats().endpoints), []);
});
