// Durability: with the receiver down, a pipeline process queues events and is
// killed with SIGKILL; a new process on the same state directory redelivers
// every event, with unchanged ids and in per-peer order, and reports the
// disconnect of the peer that was connected when the process died.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Receiver, distinct, waitFor } from './receiver.js';
import { peerId } from './fixtures.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'pipeline-child.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (err) lines.push(`stderr: ${err}`);
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

test('SIGKILL with the receiver down, restart: every event delivered once more with the same id', async (t) => {
  const state = await mkdtemp(join(tmpdir(), 'tswg-crash-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/hook`;

  const first = run([state, url, 'emit', '5']);
  t.after(() => {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
  });
  await waitFor(() => first.lines.some((l) => l.startsWith('{')) || first.child.exitCode !== null, 20_000, 'events queued');
  const idsLine = first.lines.find((l) => l.startsWith('{'));
  assert.ok(idsLine, `child output: ${first.lines.join('\n')}`);
  const ids = (JSON.parse(idsLine) as { ids: string[] }).ids;
  assert.equal(ids.length, 17);
  await new Promise((r) => setTimeout(r, 150)); // let it fail a few attempts against the closed port
  first.child.kill('SIGKILL');
  await first.exited;

  const rx = await Receiver.http(port);
  t.after(() => rx.close());
  const second = run([state, url, 'resume']);
  t.after(() => {
    if (second.child.exitCode === null) second.child.kill('SIGKILL');
  });
  const code = await Promise.race([second.exited, new Promise<'hang'>((r) => setTimeout(() => r('hang'), 30_000))]);
  assert.equal(code, 0, second.lines.join('\n'));
  assert.ok(second.lines.includes('idle'), second.lines.join('\n'));
  await waitFor(() => distinct(rx.requests).length >= 18, 5000, 'all events at the receiver');

  const got = distinct(rx.requests);
  const fresh = got.filter((r) => !ids.includes(String(r.headers['webhook-id'])));
  assert.deepEqual(new Set(got.map((r) => String(r.headers['webhook-id']))), new Set([...ids, ...fresh.map((r) => String(r.headers['webhook-id']))]));
  assert.equal(got.length - fresh.length, 17, 'every event of the first run, with the same id');
  for (const r of got) assert.equal(r.json.tswg.eventId, r.headers['webhook-id']);
  const byPeer = new Map<string, string[]>();
  for (const r of got) byPeer.set(r.json.identifier, [...(byPeer.get(r.json.identifier) ?? []), r.json.event]);
  assert.equal(byPeer.size, 6);
  for (let n = 1; n <= 5; n++) assert.deepEqual(byPeer.get(peerId(n)), ['create', 'connect', 'disconnect']);
  // The peer connected at the crash: its disconnect is reported by the new process.
  assert.deepEqual(byPeer.get(peerId(99)), ['create', 'connect', 'disconnect']);
  assert.equal(fresh.length, 1);
  assert.equal(fresh[0]!.json.tswg.reason, 'shutdown');
  assert.equal(fresh[0]!.json.tswg.detail, 'restart');
  assert.equal(fresh[0]!.json.payload.IsConnected, false);
  assert.equal(fresh[0]!.json.tswg.sequence, 3, 'sequence continues across the restart');

  // A third start finds nothing left to send.
  const before = rx.requests.length;
  const third = run([state, url, 'resume']);
  assert.equal(await third.exited, 0);
  assert.equal(rx.requests.length, before);
});
