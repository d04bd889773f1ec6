#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/src/cli/main.js (compiled by `npm ci`).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`tswg: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
