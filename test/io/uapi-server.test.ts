// UAPI socket server (checklist §10.1–10.2): permissions, framing of several
// requests per connection, bad input, stale/live sockets, removal, fd handoff.
// Uses a temporary directory, so no root is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, unlinkSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UapiServer, uapiSocketPath, type UapiRequest } from '../../src/io/uapi-server.js';

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const base = mkdtempSync(join(tmpdir(), 'tswg-uapi-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return join(base, 'run', 'wireguard'); // not yet existing: listen must create it
}

/** Sends `data` (optionally in pieces), collects everything until the server closes or `replies` blank-line-terminated replies arrived. */
function talk(path: string, data: string | string[], replies: number, halfClose = false): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path);
    let text = '';
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`timeout; got ${JSON.stringify(text)}`));
    }, 5000);
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      c.destroy();
      resolve({ text, closed });
    };
    c.setEncoding('latin1');
    c.on('data', (d: string) => {
      text += d;
      if (replies > 0 && text.split('\n\n').length - 1 >= replies) finish(false);
    });
    c.on('close', () => finish(true));
    c.on('error', () => {});
    c.on('connect', () => {
      for (const piece of Array.isArray(data) ? data : [data]) c.write(piece);
      if (halfClose) c.end();
    });
  });
}

async function withServer(t: { after: (fn: () => Promise<void>) => void }, dir: string, log: UapiRequest[] = []) {
  const server = await UapiServer.listen('wgtest0', { dir, maxLineBytes: 256, maxRequestBytes: 4096 });
  t.after(() => server.close());
  server.onRequest(async (req) => {
    log.push(req);
    if (req.op === 'get') return `listen_port=${log.length}\nerrno=0\n\n`;
    if (req.lines.includes('boom=1')) throw new Error('secret private_key=abcdef');
    // A slow first set proves replies stay in request order.
    if (req.lines.includes('slow=1')) await new Promise((r) => setTimeout(r, 50));
    return 'errno=0\n\n';
  });
  return server;
}

test('creates the directory 0755 and the socket 0600 at <dir>/<ifname>.sock', async (t) => {
  const dir = tmpDir(t);
  const server = await withServer(t, dir);
  assert.equal(server.path, join(dir, 'wgtest0.sock'));
  assert.equal(statSync(dir).mode & 0o777, 0o755);
  const st = statSync(server.path);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(uapiSocketPath('wg1', '/x'), '/x/wg1.sock');
  assert.throws(() => uapiSocketPath('a/b', dir), { code: 'EINVAL' });
});

test('frames several get/set requests on one connection, in order', async (t) => {
  const dir = tmpDir(t);
  const log: UapiRequest[] = [];
  const server = await withServer(t, dir, log);
  const req = 'set=1\nslow=1\nprivate_key=00\n\nget=1\n\nset=1\nlisten_port=5\n\n';
  const { text } = await talk(server.path, req, 3);
  assert.equal(text, 'errno=0\n\nlisten_port=2\nerrno=0\n\nerrno=0\n\n');
  assert.deepEqual(log, [
    { op: 'set', lines: ['slow=1', 'private_key=00'] },
    { op: 'get' },
    { op: 'set', lines: ['listen_port=5'] },
  ]);
  // The same bytes one at a time give the same requests.
  log.length = 0;
  const bytewise = await talk(server.path, req.split(''), 3);
  assert.equal(bytewise.text, 'errno=0\n\nlisten_port=2\nerrno=0\n\nerrno=0\n\n');
  assert.equal(log.length, 3);
});

test('a client that half-closes after its request still gets the reply', async (t) => {
  const dir = tmpDir(t);
  const server = await withServer(t, dir);
  const { text, closed } = await talk(server.path, 'get=1\n\n', 0, true);
  assert.equal(text, 'listen_port=1\nerrno=0\n\n');
  assert.ok(closed);
});

test('bad framing: unknown op closes, trailing get data and oversize input answer EINVAL, nothing crashes', async (t) => {
  const dir = tmpDir(t);
  const log: UapiRequest[] = [];
  const server = await withServer(t, dir, log);
  assert.deepEqual(await talk(server.path, 'hello=1\n\n', 0), { text: '', closed: true });
  assert.deepEqual(await talk(server.path, 'get=1\nx\n', 0), { text: 'errno=-22\n\n', closed: true });
  assert.deepEqual(await talk(server.path, 'set=1\n' + 'a'.repeat(300), 0), { text: 'errno=-22\n\n', closed: true });
  const big = 'set=1\n' + 'k=v\n'.repeat(2000) + '\n';
  assert.deepEqual(await talk(server.path, big, 0), { text: 'errno=-22\n\n', closed: true });
  const garbage = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) & 0xff)).toString('latin1');
  assert.equal((await talk(server.path, garbage, 0)).closed, true);
  assert.equal(log.length, 0, 'no malformed request reached the handler');
  // A handler failure is reported without echoing its message (it could quote a key).
  const failed = await talk(server.path, 'set=1\nboom=1\n\n', 1);
  assert.equal(failed.text, 'errno=-55\n\n');
  // And the server still serves.
  assert.equal((await talk(server.path, 'get=1\n\n', 1)).text, 'listen_port=2\nerrno=0\n\n');
});

test('a stale socket file is replaced; a live one is "in use"', async (t) => {
  const dir = tmpDir(t);
  // A process that exits without closing its server leaves the file behind (libuv unlinks only on close).
  const path = join(dir, 'wgtest0.sock');
  const child = spawnSync(process.execPath, ['-e', `require('fs').mkdirSync(${JSON.stringify(dir)},{recursive:true});require('net').createServer().listen(${JSON.stringify(path)},()=>process.exit(0))`]);
  assert.equal(child.status, 0);
  assert.ok(statSync(path).isSocket(), 'stale socket exists');
  const server = await withServer(t, dir);
  assert.equal((await talk(server.path, 'get=1\n\n', 1)).text, 'listen_port=1\nerrno=0\n\n');
  await assert.rejects(UapiServer.listen('wgtest0', { dir }), (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, 'EADDRINUSE');
    assert.match(err.message, /unix socket in use/);
    return true;
  });
  // The failed attempt must not have disturbed the live server.
  assert.equal((await talk(server.path, 'get=1\n\n', 1)).text, 'listen_port=2\nerrno=0\n\n');
});

test('deleting the socket file is noticed; close() removes the file', async (t) => {
  const dir = tmpDir(t);
  const server = await withServer(t, dir);
  const removed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('removal not noticed')), 5000);
    server.onSocketRemoved(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  unlinkSync(server.path);
  await removed;

  const other = await UapiServer.listen('wgtest1', { dir });
  assert.ok(existsSync(other.path));
  await other.close();
  assert.equal(existsSync(other.path), false);
});

test('a child serves an inherited listening fd (WG_UAPI_FD daemonize flow)', async (t) => {
  const dir = tmpDir(t);
  const moduleUrl = new URL('../../src/io/uapi-server.js', import.meta.url).href;
  // Parent: bind, hand the fd to a grandchild as fd 3, exit without closing (like wireguard-go's main.go).
  const parentScript = `
    const { UapiServer } = await import(${JSON.stringify(moduleUrl)});
    const { spawn } = await import('node:child_process');
    const { fd } = await UapiServer.createListeningFd('wgfd0', { dir: ${JSON.stringify(dir)} });
    const child = spawn(process.execPath, ['--input-type=module', '-e', process.env.CHILD_SCRIPT],
      { stdio: ['ignore', 'inherit', 'inherit', fd], detached: true, env: { ...process.env, WG_UAPI_FD: '3' } });
    child.unref();
    process.exit(0);`;
  const childScript = `
    const { UapiServer } = await import(${JSON.stringify(moduleUrl)});
    const s = await UapiServer.listen('wgfd0', { dir: ${JSON.stringify(dir)}, fd: Number(process.env.WG_UAPI_FD) });
    s.onRequest(() => 'from_child=' + process.pid + '\\nerrno=0\\n\\n');
    process.stdout.write('ready ' + process.pid + '\\n');`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', parentScript], {
    env: { ...process.env, CHILD_SCRIPT: childScript },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child not ready: ${out}`)), 10000);
    parent.stdout.setEncoding('utf8');
    parent.stdout.on('data', (d: string) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  t.after(() => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  });
  const path = join(dir, 'wgfd0.sock');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal((await talk(path, 'get=1\n\n', 1)).text, `from_child=${pid}\nerrno=0\n\n`);
});

/** A get reply of `pieces` × 64 KiB lines, counting how many pieces were taken. */
function bigReply(pieces: number, taken: { n: number }): Iterable<string> {
  return (function* () {
    for (let i = 0; i < pieces; i++) {
      taken.n++;
      yield `k${i}=${'x'.repeat(64 * 1024 - 16)}\n`;
    }
    yield 'errno=0\n\n';
  })();
}

test('a reply given as pieces is pulled as the client reads (backpressure), whole and in order', async (t) => {
  const dir = tmpDir(t);
  const server = await UapiServer.listen('wgtest0', { dir });
  t.after(() => server.close());
  const taken = { n: 0 };
  let gets = 0;
  server.onRequest((req) => (req.op === 'get' && ++gets === 1 ? bigReply(400, taken) : 'errno=0\n\n'));
  const c = net.connect(server.path);
  t.after(() => c.destroy());
  await new Promise<void>((resolve) => c.once('connect', () => resolve()));
  c.pause(); // a reader that does not read yet
  c.write('get=1\n\nset=1\nlisten_port=1\n\n');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(taken.n > 0 && taken.n < 200, `pieces taken while the client did not read: ${taken.n} of 400`);
  let text = '';
  c.setEncoding('latin1');
  c.on('data', (d: string) => (text += d));
  c.resume();
  const deadline = Date.now() + 10_000;
  while (text.split('\n\n').length - 1 < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(taken.n, 400);
  const [first, second] = text.split('errno=0\n\n');
  assert.equal(first!.split('\n').filter((l) => l.length > 0).length, 400);
  assert.ok(first!.startsWith('k0=') && first!.includes('\nk399='));
  assert.equal(second, '', 'the set reply follows the whole get reply');
  assert.ok(text.endsWith('errno=0\n\nerrno=0\n\n'));
});

test('a long single-string reply arrives intact; a client leaving mid-reply stops the pieces', async (t) => {
  const dir = tmpDir(t);
  const server = await UapiServer.listen('wgtest0', { dir });
  t.after(() => server.close());
  const long = Array.from({ length: 30_000 }, (_, i) => `allowed_ip=198.19.${i >> 8}.${i & 0xff}/32`).join('\n') + '\nerrno=0\n\n';
  const taken = { n: 0 };
  server.onRequest((req) => (req.op === 'get' ? long : bigReply(2000, taken)));
  const got = await talk(server.path, 'get=1\n\n', 1);
  assert.equal(got.text, long);

  // A client that sends a request and hangs up at once: the server stops pulling pieces.
  await new Promise<void>((resolve) => {
    const c = net.connect(server.path, () => {
      c.write('set=1\nlisten_port=1\n\n');
      setTimeout(() => {
        c.destroy();
        resolve();
      }, 100);
    });
    c.on('error', () => {});
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(taken.n < 2000, `pieces taken after the client left: ${taken.n}`);
  assert.equal((await talk(server.path, 'get=1\n\n', 1)).text, long, 'the server still answers');
});

// The daemon binds the socket before its interface exists (and warms up its
// data path meanwhile): a request in that window waits for the handler
// instead of failing; one still waiting when the server closes gets -55.
test('a request that arrives before the handler is installed waits for it', async (t) => {
  const dir = tmpDir(t);
  const server = await UapiServer.listen('wgtest0', { dir });
  t.after(() => server.close());
  const pending = talk(server.path, 'get=1\n\n', 1);
  await new Promise((r) => setTimeout(r, 100));
  server.onRequest(() => 'listen_port=7\nerrno=0\n\n');
  assert.equal((await pending).text, 'listen_port=7\nerrno=0\n\n');
});

test('closing the server while a request waits for a handler closes that connection without a reply and never runs the request', async (t) => {
  const dir = tmpDir(t);
  const server = await UapiServer.listen('wgtest0', { dir });
  const c = net.connect(server.path);
  t.after(() => c.destroy());
  let text = '';
  c.setEncoding('latin1');
  c.on('data', (d: string) => (text += d));
  c.on('error', () => {});
  await new Promise<void>((r) => c.on('connect', () => r()));
  c.write('set=1\nlisten_port=1\n\n');
  await new Promise((r) => setTimeout(r, 100));
  const closedGate = new Promise<void>((r) => c.on('close', () => r()));
  await server.close();
  await closedGate;
  // A handler that turns up after the close must not receive the waiting request.
  let ran = 0;
  server.onRequest(() => {
    ran++;
    return 'errno=0\n\n';
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(text, '', 'no reply on the dropped connection');
  assert.equal(ran, 0, 'the waiting request was never handed to a handler');
  assert.equal(existsSync(server.path), false, 'the socket file is gone');
});
