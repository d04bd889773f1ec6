// Root-only: `tswg up <file>` warns like wg-quick(8) when the configuration
// file (which holds a private key) is accessible by others — wg-quick prints
// "Warning: `FILE' is world accessible" unless the mode's last octal digit
// is 0 — and stays quiet for a 0600 file. Each run brings the interface up
// in a fresh namespace with the real CLI and takes it down with `tswg down`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireRoot } from '../helpers/root.js';
import { Lab, WG_RUN_DIR } from '../helpers/netns.js';
import { REPO_ROOT, genKeyPair } from '../helpers/impl.js';

for (const [mode, warns] of [
  [0o644, true],
  [0o604, true],
  [0o600, false],
  [0o640, false],
] as const) {
  test(`tswg up with a 0${mode.toString(8)} config file ${warns ? 'warns' : 'does not warn'} (wg-quick rule), tswg down removes it`, async (t) => {
    if (!requireRoot(t, ['ip'])) return;
    const lab = Lab.create(t);
    const ns = await lab.addNamespace();
    const ifname = lab.ifname();
    const file = join(lab.tmpDir, `${ifname}.conf`);
    const me = genKeyPair();
    const peer = genKeyPair();
    writeFileSync(
      file,
      `[Interface]\nPrivateKey = ${me.privateKey}\nListenPort = 51820\nAddress = 198.19.9.1/24\n\n[Peer]\nPublicKey = ${peer.publicKey}\nAllowedIPs = 198.19.9.2/32\n`,
    );
    chmodSync(file, mode);
    const tswg = [process.execPath, join(REPO_ROOT, 'bin', 'tswg.js')];
    const up = await ns.run([...tswg, 'up', file], { timeoutMs: 30000, check: false });
    assert.equal(up.code, 0, `tswg up failed: ${up.stderr}`);
    const warning = `Warning: \`${file}' is world accessible`;
    if (warns) assert.ok(up.stderr.includes(warning), `stderr: ${up.stderr}`);
    else assert.ok(!up.stderr.includes('world accessible'), `stderr: ${up.stderr}`);
    assert.ok(!up.stderr.includes(me.privateKey), 'the warning does not quote the key');
    assert.ok(existsSync(join(WG_RUN_DIR, `${ifname}.sock`)));
    const down = await ns.run([...tswg, 'down', file], { timeoutMs: 30000, check: false });
    assert.equal(down.code, 0, `tswg down failed: ${down.stderr}`);
    assert.ok(!existsSync(join(WG_RUN_DIR, `${ifname}.sock`)), 'socket gone after down');
  });
}
