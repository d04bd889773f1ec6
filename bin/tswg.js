#!/usr/bin/env -S node --max-semi-space-size=64
// The shebang's flags are src/cli/node-flags.ts's DAEMON_NODE_FLAGS (a test keeps them equal).
// Thin launcher: the CLI lives in dist/src/cli/main.js (compiled by `npm ci`).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`tswg: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
