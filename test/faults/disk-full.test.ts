// The queue's disk fills up (issue 6 "Faults"), root only: the state dir is a
// 256 KiB tmpfs mounted for this test. With the disk full, the pipeline logs
// one clear error, keeps delivering from memory and never crashes; failed
// retries while it stays full add no log lines. "Resumes" is defined by the
// journal API: once space returns, within diskRetryMs the outbox compacts
// the journal to exactly its in-memory queue (what a restart would read with
// parseJournal), stats().storage is 'disk' again, an info line says so, and
// new events are fsync'd before delivery (whenDurable) as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseEventsConfig } from '../../src/events/config.js';
import { parseJournal } from '../../src/io/event-journal.js';
import { createEventPipeline } from '../../src/runtime/webhooks.js';
import { created, updated } from '../events/fixtures.js';
import { memoryLogger } from '../events/receiver.js';
import { requireRoot } from '../helpers/root.js';
import { FaultReceiver, checkDelivery, until, type Emitted } from './fault-receiver.js';
import { fill, smallTmpfs } from './tmpfs.js';

test('state dir on a full 256 KiB tmpfs: one clear error, delivery continues from memory, the journal resumes when space returns', async (t) => {
  if (!requireRoot(t, ['mount', 'umount'])) return;
  const state = smallTmpfs(t);
  const rx = await FaultReceiver.http();
  t.after(() => rx.close());
  let up = true;
  rx.plan = () => (up ? { status: 200 } : { status: 503 });
  const r = parseEventsConfig(`webhooks:\n  - name: e\n    url: ${rx.url()}\n    retry: { initial_interval: 20ms, max_interval: 100ms }\n`, 'disk.yaml');
  assert.ok(r.ok);
  const logger = memoryLogger();
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: state, config: r.config, logger, diskRetryMs: 300 });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));
  const emitted: Emitted[] = [];
  p.events.on('event', (ev) => emitted.push({ id: ev.tswg.eventId, identifier: ev.identifier, sequence: ev.tswg.sequence }));
  const now = Date.now();

  for (let n = 1; n <= 10; n++) p.handle(created(n, now));
  await p.whenDurable();
  assert.equal(p.stats().storage, 'disk');

  // Full: what is left of the 256 KiB goes to a filler file.
  const filler = join(state, 'filler');
  fill(filler);
  for (let round = 1; round <= 3; round++) for (let n = 1; n <= 100; n++) p.handle(updated(n, now, [`r${round}`]));
  await p.whenDurable(); // resolves: the journal was abandoned, events were released from memory
  assert.equal(p.stats().storage, 'memory');
  await until(() => p.stats().queued === 0, 20_000, 'delivery from memory while the disk is full');
  const errors = logger.lines.filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, logger.lines.join('\n'));
  assert.match(errors[0]!, /event journal: disk error \(.*ENOSPC.*\); continuing without persistence/);

  // Still full, receiver refusing: events pile up in memory; the failed disk retries are silent.
  up = false;
  for (let n = 1; n <= 50; n++) p.handle(updated(n, now, ['pending']));
  await new Promise((res) => setTimeout(res, 1000)); // ≥ 3 retry periods
  assert.equal(p.stats().storage, 'memory');
  assert.equal(logger.lines.filter((l) => l.startsWith('error:')).length, 1, 'no new error line per failed retry');
  const pending = emitted.slice(-50).map((e) => e.id);
  assert.equal(p.stats().queued, 50);

  // Space returns: the journal is rewritten with exactly what is pending.
  unlinkSync(filler);
  await until(() => p.stats().storage === 'disk', 5000, 'storage back on disk');
  await until(() => logger.lines.some((l) => /disk writable again; 50 pending event\(s\) saved/.test(l)), 5000, 'the resume line');
  const onDisk = parseJournal(readFileSync(join(state, 'events.journal'), 'utf8'));
  assert.deepEqual(onDisk.events.map((e) => e.id), pending, 'a restart now would redeliver exactly the pending events, in order');
  assert.equal(onDisk.badLines, 0, 'compaction left no torn line');
  assert.equal(onDisk.sequences[emitted.at(-1)!.identifier], emitted.at(-1)!.sequence, 'sequences saved too');
  // New events are durable again before they are delivered.
  for (let n = 1; n <= 5; n++) p.handle(updated(n, now, ['after']));
  await p.whenDurable();
  const after = parseJournal(readFileSync(join(state, 'events.journal'), 'utf8'));
  assert.deepEqual(after.events.map((e) => e.id), [...pending, ...emitted.slice(-5).map((e) => e.id)]);

  up = true;
  await until(() => p.stats().queued === 0, 15_000, 'the pending events delivered');
  checkDelivery(emitted, rx.arrivals);
  assert.equal(logger.lines.filter((l) => l.startsWith('error:')).length, 1);
});
