/**
 * The durable event queue on disk: one append-only JSON-lines file,
 * `<state-dir>/events.journal` (issue 4 "a durable on-disk queue").
 *
 * Lines: `{"e":{id,key,targets,body,at},"q":seq}` an event, `{"a":id,"ep":name}`
 * an endpoint is done with it, `{"d":id}` discarded (queue full), `{"s":{..}}`
 * sequence numbers, `{"c":key,"v":record|null}` a peer connected / no longer connected. Appends are group-committed: everything queued while one
 * write+fdatasync runs goes out in the next batch; an event's promise resolves
 * only after its fdatasync. Compaction writes a temp file, fsyncs it, renames it
 * over the journal and fsyncs the directory, so a crash leaves either file whole.
 * A line torn by SIGKILL is skipped (and counted) when the journal is read.
 * A full disk (ENOSPC) gives short writes: every write is completed or fails,
 * and after a failed write the next batch starts on a fresh line, so a torn
 * line never swallows the lines that follow it.
 */
import { mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectedRecord, Journal, JournalContents, JournalEvent } from '../events/ports.js';

const FILE = 'events.journal';

type Op =
  | { kind: 'line'; text: string; sync: boolean; resolve: () => void; reject: (e: unknown) => void }
  | { kind: 'compact'; text: string; resolve: () => void; reject: (e: unknown) => void };

/** Reads (or creates) the journal in `dir`; throws on a disk error so the caller can fall back to memory. */
export async function openEventJournal(dir: string): Promise<{ journal: Journal; contents: JournalContents }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, FILE);
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const contents = parseJournal(text);
  let fh = await open(path, 'a', 0o600);
  if (text.length > 0 && !text.endsWith('\n')) await fh.write('\n'); // never glue a new line onto a torn one
  await syncDir(dir);

  const queue: Op[] = [];
  let running = false;
  let closed = false;
  /** A write failed part-way: the file may end inside a line. */
  let torn = false;

  async function run(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const op = queue[0]!;
        if (op.kind === 'compact') {
          queue.shift();
          try {
            fh = await compactTo(dir, path, fh, op.text);
            torn = false;
            op.resolve();
          } catch (e) {
            op.reject(e);
          }
          continue;
        }
        const batch: Extract<Op, { kind: 'line' }>[] = [];
        while (queue.length > 0 && queue[0]!.kind === 'line') batch.push(queue.shift() as Extract<Op, { kind: 'line' }>);
        try {
          const text = batch.map((b) => b.text).join('');
          if (text.length > 0) {
            const fresh = torn ? '\n' : ''; // parseJournal skips the empty line this may leave
            torn = true;
            await writeAll(fh, fresh + text);
            torn = false;
          }
          if (batch.some((b) => b.sync)) await fh.datasync();
          for (const b of batch) b.resolve();
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      running = false;
    }
  }

  function push(op: Op): void {
    if (closed) {
      op.reject(new Error('event journal is closed'));
      return;
    }
    queue.push(op);
    if (running) return;
    // Start in a microtask, not now: lines appended in the same turn (a
    // connect event and the peer's connected record right after it) then go
    // out in one write. Started at once, the first line went alone and the
    // second waited for its fdatasync — a SIGKILL in between lost the
    // record, and the restart sent no disconnect for that peer.
    running = true;
    queueMicrotask(() => void run());
  }

  const line = (obj: unknown, sync: boolean): Promise<void> =>
    new Promise((resolve, reject) => push({ kind: 'line', text: JSON.stringify(obj) + '\n', sync, resolve, reject }));

  const journal: Journal = {
    appendEvent: (ev: JournalEvent, sequence: number) => line({ e: ev, q: sequence }, true),
    appendAck: (id: string, endpoint: string) => line({ a: id, ep: endpoint }, false),
    appendDiscard: (id: string) => line({ d: id }, false),
    appendConnection: (key: string, rec: ConnectedRecord | null) => line({ c: key, v: rec }, false),
    compact: (live, state) =>
      new Promise((resolve, reject) => {
        const text =
          JSON.stringify({ s: state.sequences }) +
          '\n' +
          Object.entries(state.connected)
            .map(([c, v]) => JSON.stringify({ c, v }) + '\n')
            .join('') +
          live.map((ev) => JSON.stringify({ e: ev, q: 0 }) + '\n').join('');
        push({ kind: 'compact', text, resolve, reject });
      }),
    async close(): Promise<void> {
      if (closed) return;
      // Let queued writes finish (each is bounded by the disk), then close.
      await new Promise<void>((resolve) => push({ kind: 'line', text: '', sync: true, resolve, reject: () => resolve() }));
      closed = true;
      await fh.close().catch(() => undefined);
    },
  };
  return { journal, contents };
}

/** write(2) may write less than asked (a filling disk): loop until done; the error after a short write throws. */
async function writeAll(fh: FileHandle, text: string): Promise<void> {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    if (bytesWritten <= 0) throw new Error(`short write to the event journal (${off} of ${buf.length} bytes)`);
    off += bytesWritten;
  }
}

async function compactTo(dir: string, path: string, current: FileHandle, text: string): Promise<FileHandle> {
  const tmp = `${path}.tmp`;
  try {
    const t = await open(tmp, 'w', 0o600);
    try {
      await writeAll(t, text);
      await t.sync();
    } finally {
      await t.close();
    }
  } catch (err) {
    // A half-written temp file must not keep holding the space of a full disk.
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await rename(tmp, path);
  await syncDir(dir);
  // Open the new file before letting go of the old handle, so a failure here leaves a usable handle.
  const next = await open(path, 'a', 0o600);
  await current.close().catch(() => undefined);
  return next;
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await d.close();
  }
}

function isEvent(x: unknown): x is JournalEvent {
  const e = x as JournalEvent;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.id === 'string' &&
    typeof e.key === 'string' &&
    typeof e.body === 'string' &&
    typeof e.at === 'number' &&
    Array.isArray(e.targets) &&
    e.targets.every((t) => typeof t === 'string')
  );
}

/** Replays journal text into the pending events (file order) and sequences. */
export function parseJournal(text: string): JournalContents {
  const events = new Map<string, { ev: JournalEvent; remaining: Set<string> }>();
  const sequences: Record<string, number> = {};
  const connected: Record<string, ConnectedRecord> = {};
  let badLines = 0;
  for (const raw of text.split('\n')) {
    if (raw.length === 0) continue;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      badLines++;
      continue;
    }
    if (typeof obj !== 'object' || obj === null) badLines++;
    else if ('e' in obj && isEvent(obj.e)) {
      const ev = obj.e;
      if (!events.has(ev.id)) events.set(ev.id, { ev, remaining: new Set(ev.targets) });
      const q = obj.q;
      if (typeof q === 'number' && q > (sequences[ev.key] ?? 0)) sequences[ev.key] = q;
    } else if (typeof obj.a === 'string' && typeof obj.ep === 'string') {
      events.get(obj.a)?.remaining.delete(obj.ep);
    } else if (typeof obj.c === 'string' && 'v' in obj) {
      const v = obj.v as ConnectedRecord | null;
      if (v && typeof v === 'object' && typeof v.payload === 'object' && v.payload !== null) connected[obj.c] = v;
      else delete connected[obj.c];
    } else if (typeof obj.d === 'string') {
      events.delete(obj.d);
    } else if (typeof obj.s === 'object' && obj.s !== null) {
      for (const [k, v] of Object.entries(obj.s as Record<string, unknown>)) {
        if (typeof v === 'number' && v > (sequences[k] ?? 0)) sequences[k] = v;
      }
    } else badLines++;
  }
  const pending: JournalEvent[] = [];
  for (const { ev, remaining } of events.values()) {
    if (remaining.size > 0) pending.push({ ...ev, targets: [...remaining] });
  }
  return { events: pending, sequences, connected, badLines };
}
