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
import { readFileSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseEventsConfig } from '../../src/events/config.js';
import { openEventJournal, parseJournal } from '../../src/io/event-journal.js';
import type { JournalEvent } from '../../src/events/ports.js';
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

test('journal on a disk that fills mid-batch: a short write is never reported durable, and later appends stay readable', async (t) => {
  if (!requireRoot(t, ['mount', 'umount'])) return;
  const dir = smallTmpfs(t, '128k');
  const { journal } = await openEventJournal(dir);
  t.after(() => journal.close());
  const filler = join(dir, 'filler');
  fill(filler);
  truncateSync(filler, statSync(filler).size - 8192); // two pages free: a 15 KB batch is cut short
  const ev = (i: number): JournalEvent => ({ id: `ID${i}`, key: `k${i % 3}`, targets: ['e'], body: JSON.stringify({ n: i, pad: 'x'.repeat(1400) }), at: i });
  const resolved: string[] = [];
  const failed: string[] = [];
  const append = (i: number) =>
    journal.appendEvent(ev(i), i).then(
      () => void resolved.push(`ID${i}`),
      (e: NodeJS.ErrnoException) => void failed.push(`${e.code ?? e.message}`),
    );
  await Promise.all(Array.from({ length: 10 }, (_, i) => append(i)));
  assert.ok(failed.length > 0 && failed.every((c) => c === 'ENOSPC'), `the batch that did not fit failed with ENOSPC: ${failed.join(',')}`);
  truncateSync(filler, 0); // space returns
  await Promise.all([100, 101, 102].map(append));
  const parsed = parseJournal(readFileSync(join(dir, 'events.journal'), 'utf8'));
  const onDisk = new Set(parsed.events.map((e) => e.id));
  for (const id of resolved) assert.ok(onDisk.has(id), `${id} was reported durable but is not readable`);
  for (const id of ['ID100', 'ID101', 'ID102']) assert.ok(onDisk.has(id), `${id} after the torn write`);
  assert.ok(parsed.badLines <= 1, `at most the one torn line (${parsed.badLines})`);
});
