// The on-disk journal: events and acknowledgements survive reopening,
// compaction keeps exactly the pending events, a torn last line is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, appendFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventJournal, parseJournal } from '../../src/io/event-journal.js';
import type { JournalEvent } from '../../src/events/ports.js';

function ev(i: number, targets = ['a', 'b']): JournalEvent {
  return { id: `ID${String(i).padStart(4, '0')}`, key: `peer${i % 3}`, targets, body: JSON.stringify({ n: i }), at: 1000 + i };
}

test('append, acknowledge, reopen: only unacknowledged (event, endpoint) pairs remain, in order', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tswg-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { journal, contents } = await openEventJournal(dir);
  assert.equal(contents.events.length, 0);
  await Promise.all([1, 2, 3, 4].map((i) => journal.appendEvent(ev(i), i)));
  await journal.appendAck('ID0001', 'a');
  await journal.appendAck('ID0001', 'b');
  await journal.appendAck('ID0002', 'a');
  await journal.appendDiscard('ID0003');
  await journal.close();
  const again = await openEventJournal(dir);
  assert.deepEqual(
    again.contents.events.map((e) => [e.id, e.targets]),
    [
      ['ID0002', ['b']],
      ['ID0004', ['a', 'b']],
    ],
  );
  assert.equal(again.contents.events[1]!.body, '{"n":4}');
  assert.equal(again.contents.sequences['peer1'], 4);
  assert.equal(again.contents.badLines, 0);

  await again.journal.compact(again.contents.events, { sequences: { peer1: 9 }, connected: { peerX: { payload: { PeerId: 'peerX' }, sessionStartWallMs: 5 } } });
  await again.journal.appendEvent(ev(5), 10);
  await again.journal.close();
  const text = await readFile(join(dir, 'events.journal'), 'utf8');
  assert.equal(text.trim().split('\n').length, 5, 'sequences line + 1 connected + 2 pending + 1 new');
  const third = parseJournal(text);
  assert.deepEqual(third.events.map((e) => e.id), ['ID0002', 'ID0004', 'ID0005']);
  assert.equal(third.sequences['peer1'], 9);
  assert.equal(third.sequences['peer2'], 10);
  assert.deepEqual(Object.keys(third.connected), ['peerX'], 'connected peers survive compaction');
});

test('connected records: set and cleared by later lines', () => {
  const r = parseJournal(
    '{"c":"k1","v":{"payload":{"PeerId":"k1"},"sessionStartWallMs":1}}\n{"c":"k2","v":{"payload":{},"sessionStartWallMs":2}}\n{"c":"k1","v":null}\n',
  );
  assert.deepEqual(Object.keys(r.connected), ['k2']);
  assert.equal(r.badLines, 0);
});

test('a torn last line (SIGKILL mid-write) is skipped and later appends stay readable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tswg-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const first = await openEventJournal(dir);
  await first.journal.appendEvent(ev(1), 1);
  await first.journal.close();
  await appendFile(join(dir, 'events.journal'), '{"e":{"id":"ID0002","key":"pe');
  const second = await openEventJournal(dir);
  assert.deepEqual(second.contents.events.map((e) => e.id), ['ID0001']);
  assert.equal(second.contents.badLines, 1);
  await second.journal.appendEvent(ev(3), 2);
  await second.journal.close();
  const third = await openEventJournal(dir);
  assert.deepEqual(third.contents.events.map((e) => e.id), ['ID0001', 'ID0003']);
  assert.equal(third.contents.badLines, 1);
  await third.journal.close();
});

test('parseJournal ignores garbage lines without throwing', () => {
  const r = parseJournal('not json\n{"x":1}\n[1,2]\n{"e":{"id":5}}\n\n');
  assert.equal(r.events.length, 0);
  assert.equal(r.badLines, 4);
});

test('lines appended in one turn go out in one write, so a connect event never lands without its connected record', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tswg-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { journal } = await openEventJournal(dir);
  // Record what each write(2) of the journal's file handle carries. The
  // FileHandle class is not exported; its prototype is reached through a
  // handle of our own and restored afterwards.
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<unknown> };
  await probe.close();
  const original = proto.write;
  const writes: string[] = [];
  proto.write = function (this: unknown, ...args: unknown[]) {
    const [buf, off, len] = args as [Buffer, number, number];
    if (Buffer.isBuffer(buf)) writes.push(buf.subarray(off ?? 0, (off ?? 0) + (len ?? buf.length)).toString('utf8'));
    return original.apply(this, args);
  };
  t.after(() => {
    proto.write = original;
  });
  // The pipeline's connect: the event (fdatasync'd) and the peer's record, in the same turn.
  const a = journal.appendEvent(ev(7), 1);
  const b = journal.appendConnection('peer7', { payload: { PeerId: 'peer7' }, sessionStartWallMs: 1 });
  await Promise.all([a, b]);
  proto.write = original;
  await journal.close();
  assert.equal(writes.length, 1, `one write for both lines, got ${writes.length}: ${JSON.stringify(writes)}`);
  assert.match(writes[0]!, /"e":\{"id":"ID0007".*\n\{"c":"peer7"/s);
});
