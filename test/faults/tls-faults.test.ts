// TLS failure and recovery by reload (issue 6 "Faults"): the receiver's
// certificate is signed by CA 1 but the endpoint trusts CA 2 (openssl CLI,
// generated per run). Every attempt fails verification and is retried; the
// events stay queued. A reload pointing ca_file at CA 1 delivers them all —
// ids unchanged, per-peer order intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventsConfig, type EventsConfig } from '../../src/events/config.js';
import { createEventPipeline } from '../../src/runtime/webhooks.js';
import { created, updated } from '../events/fixtures.js';
import { memoryLogger } from '../events/receiver.js';
import { FaultReceiver, checkDelivery, until, type Emitted } from './fault-receiver.js';

function config(yaml: string): EventsConfig {
  const r = parseEventsConfig(yaml, 'tls.yaml');
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

test('wrong CA: certificate rejected, events retried and kept; reload with the right CA delivers them all in order', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tswg-faults-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca1', 'ca2']) openssl(['req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=tswg faults ${ca}`]);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca1.pem', '-CAkey', 'ca1.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);

  const rx = await FaultReceiver.https({ key: await readFile(join(dir, 'server.key')), cert: await readFile(join(dir, 'server.pem')) });
  t.after(() => rx.close());
  const yaml = (ca: string) =>
    `webhooks:\n  - name: tls\n    url: ${rx.url()}\n    retry: { initial_interval: 20ms, max_interval: 200ms }\n    tls: { ca_file: "${join(dir, ca)}" }\n`;
  const state = await mkdtemp(join(tmpdir(), 'tswg-faults-tls-state-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  const logger = memoryLogger();
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: state, logger, config: config(yaml('ca2.pem')) });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));
  const emitted: Emitted[] = [];
  p.events.on('event', (ev) => emitted.push({ id: ev.tswg.eventId, identifier: ev.identifier, sequence: ev.tswg.sequence }));

  const now = Date.now();
  for (let n = 1; n <= 20; n++) p.handle(created(n, now));
  for (let n = 1; n <= 20; n++) p.handle(updated(n, now, ['endpoint']));
  await until(() => p.stats().endpoints['tls']!.retried >= 60, 10_000, 'failed TLS attempts');
  assert.equal(rx.arrivals.length, 0, 'no request got past the handshake');
  assert.equal(p.stats().queued, 40);
  assert.equal(p.stats().endpoints['tls']!.failed, 0, 'a TLS failure is retried, never given up');
  const tlsLines = logger.lines.filter((l) => /certificate|UNABLE_TO|self.signed/i.test(l));
  assert.equal(tlsLines.length, 1, `one clear line, not one per attempt:\n${logger.lines.join('\n')}`);

  p.reload(config(yaml('ca1.pem')));
  await until(() => p.stats().queued === 0, 15_000, 'delivery after the CA fix');
  checkDelivery(emitted, rx.arrivals);
  assert.equal(rx.arrivals.length, 40, 'each event exactly once: nothing reached the receiver before the fix');
});
