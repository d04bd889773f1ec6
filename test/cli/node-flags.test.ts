// The daemon's V8 flags reach `tswg -f` started directly too: bin/tswg.js's
// shebang must carry exactly DAEMON_NODE_FLAGS (src/cli/node-flags.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js';

const BIN = fileURLToPath(new URL('../../../bin/tswg.js', import.meta.url));

test('bin/tswg.js runs node with the daemon flags, through env -S', () => {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node((?: \S+)*)$/.exec(first);
  assert.ok(m, `unexpected shebang: ${first}`);
  assert.deepEqual(m[1]!.trim().split(' ').filter((x) => x !== ''), [...DAEMON_NODE_FLAGS]);
});

test('the shebang works: executing bin/tswg.js prints the version', () => {
  const out = execFileSync(BIN, ['--version'], { encoding: 'utf8' });
  assert.match(out, /^tswg v\d+\.\d+\.\d+/);
});

test('every daemon flag is one V8 accepts (node refuses unknown options)', () => {
  for (const f of DAEMON_NODE_FLAGS) {
    const out = execFileSync(process.execPath, [f, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    assert.equal(out, 'ok');
  }
});
