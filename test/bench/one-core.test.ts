import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { oneCorePrefix } from '../../bench/one-core.js';

test('oneCorePrefix confines a child to exactly one CPU, the last one', (t) => {
  const prefix = oneCorePrefix();
  if (availableParallelism() < 2) {
    assert.equal(prefix, null, 'with one CPU there is nothing to pin to');
    return;
  }
  assert.notEqual(prefix, null, 'taskset (util-linux, Essential in Debian) should be present');
  const r = spawnSync(prefix![0]!, [...prefix!.slice(1), 'cat', '/proc/self/status'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const allowed = /^Cpus_allowed_list:\s*(\S+)$/m.exec(r.stdout)?.[1];
  assert.equal(allowed, String(availableParallelism() - 1));
  t.diagnostic(`child ran on CPU list ${allowed}`);
});
