// Enforces design.md "Layers": src/core, src/wire and src/uapi are sans-IO
// (relative imports only; no Date, timers, performance, Math.random, process
// or console), and every src/ file imports only from its own layer or layers
// to its left: util ← crypto ← wire ← core ← uapi ← events ← io ← runtime ← cli.
// The checker is tested on synthetic sources first, so a silent checker fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LAYERS = ['util', 'crypto', 'wire', 'core', 'uapi', 'events', 'io', 'runtime', 'cli'] as const;
const SANS_IO = new Set(['core', 'wire', 'uapi']);
const BANNED_GLOBALS = ['Date', 'setTimeout', 'setInterval', 'setImmediate', 'performance', 'process', 'console'];

const REGEX_PRECEDERS = new Set([...'(,=:[!&|?{};+-*%<>~^'.split(''), '']);
const REGEX_KEYWORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'void', 'yield', 'await']);

/**
 * Blanks comments (always) and the text of string, template and regex
 * literals (unless keepStrings), keeping `${…}` expressions as code and the
 * length/newlines of the source. A small lexer, not a parser: enough to tell
 * code from text.
 */
export function blank(src: string, keepStrings: boolean): string {
  const out = src.split('');
  const erase = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const braces: number[] = []; // brace depth at each open `${`
  let depth = 0;
  let prev = ''; // last significant code character
  let prevWord = '';
  let i = 0;
  const scanTemplate = (start: number): void => {
    // from `start` (just after ` or }) to the closing ` or an opening ${
    let j = start;
    while (j < src.length && src[j] !== '`' && !(src[j] === '$' && src[j + 1] === '{')) j += src[j] === '\\' ? 2 : 1;
    if (!keepStrings) erase(start, Math.min(j, src.length));
    if (src[j] === '`') {
      i = j + 1;
      prev = '`';
    } else {
      braces.push(depth);
      depth++;
      i = j + 2;
      prev = '{';
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      erase(i, stop);
      i = stop;
    } else if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      erase(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      if (!keepStrings) erase(i + 1, j);
      i = j + 1;
      prev = c;
      prevWord = '';
    } else if (c === '`') {
      scanTemplate(i + 1);
      prevWord = '';
    } else if (c === '}' && braces.length > 0 && braces[braces.length - 1] === depth - 1) {
      braces.pop();
      depth--;
      scanTemplate(i + 1);
    } else if (c === '/' && (REGEX_PRECEDERS.has(prev) || REGEX_KEYWORDS.has(prevWord))) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== '\n' && (inClass || src[j] !== '/')) {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        j++;
      }
      if (!keepStrings) erase(i + 1, j);
      i = j + 1;
      prev = '/';
      prevWord = '';
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      if (/[\w$]/.test(c)) {
        let j = i;
        while (j < src.length && /[\w$]/.test(src[j]!)) j++;
        prevWord = src.slice(i, j);
        prev = 'a';
        i = j;
        continue;
      }
      if (!/\s/.test(c)) {
        prev = c;
        prevWord = '';
      }
      i++;
    }
  }
  return out.join('');
}

/** Module specifiers of static imports/exports, dynamic import() and require(). */
export function importsOf(src: string): string[] {
  const code = blank(src, true);
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*(['"])([^'"\n]+)\1/g,
    /\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[2]!);
  if (/\b(?:import|require)\s*\(\s*[^'"\s)]/.test(code)) specs.push('<computed import>');
  return specs;
}

/** Banned global names used in code (comments and string text ignored). */
export function bannedGlobalsIn(src: string): string[] {
  const code = blank(src, false);
  const found = new Set<string>();
  const names = BANNED_GLOBALS.join('|');
  // A bare identifier, not a property access (`x.process`) and not an object key / member name (`process:`).
  for (const m of code.matchAll(new RegExp(`(?<![\\w$.])(${names})(?![\\w$])(?!\\s*\\??:)`, 'g'))) found.add(m[1]!);
  for (const m of code.matchAll(new RegExp(`\\bglobalThis\\s*(?:\\.\\s*|\\[\\s*)(${names}|Math)\\b`, 'g'))) found.add(`globalThis.${m[1]}`);
  if (/\bMath\s*\.\s*random\b/.test(code) || /\bMath\s*\[/.test(code)) found.add('Math.random');
  return [...found];
}

function layerOf(relFromSrc: string): string | null {
  const first = relFromSrc.split('/')[0]!;
  return relFromSrc.includes('/') && (LAYERS as readonly string[]).includes(first) ? first : null;
}

/** Rule violations for one file, given its path relative to src/ (posix). */
export function violations(relFromSrc: string, src: string): string[] {
  const problems: string[] = [];
  const layer = layerOf(relFromSrc);
  const rank = layer === null ? LAYERS.length : LAYERS.indexOf(layer as (typeof LAYERS)[number]);
  for (const spec of importsOf(src)) {
    if (spec.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(relFromSrc), spec));
      if (target.startsWith('..')) {
        problems.push(`imports ${spec}, outside src/`);
        continue;
      }
      const targetLayer = layerOf(target);
      const targetRank = targetLayer === null ? LAYERS.length : LAYERS.indexOf(targetLayer as (typeof LAYERS)[number]);
      if (targetRank > rank) problems.push(`imports ${spec}: ${targetLayer ?? 'src root'} is right of ${layer ?? 'src root'}`);
    } else {
      if (layer !== null && SANS_IO.has(layer)) problems.push(`imports ${spec}: ${layer} may import only relative paths`);
      if (spec.startsWith('@noble/') && layer !== 'crypto') problems.push(`imports ${spec}: only src/crypto may use @noble`);
    }
  }
  if (layer !== null && SANS_IO.has(layer)) {
    for (const g of bannedGlobalsIn(src)) problems.push(`uses ${g} (sans-IO layer)`);
  }
  return problems;
}

test('checker: flags forbidden imports and globals in sans-IO code', () => {
  const bad = [
    "import { createSocket } from 'node:dgram';",
    "import x from 'undici';",
    "export { y } from 'yaml';",
    "const t = Date.now();",
    "setTimeout(() => 1, 5);",
    "setInterval(f, 1);",
    "setImmediate(f);",
    "const p = performance.now();",
    "const r = Math.random();",
    "const e = process.env.X;",
    "console.log('x');",
    "const g = globalThis.process;",
    "const m = await import('node:fs');",
    "let d: Date | null = null;",
    "const s = `${Date.now()}`;",
    "const x = a / b; const y = c / Date.now();",
  ];
  for (const line of bad) {
    assert.ok(violations('core/example.ts', line).length > 0, `should flag: ${line}`);
    assert.ok(violations('wire/example.ts', line).length > 0, `should flag in wire: ${line}`);
    assert.ok(violations('uapi/example.ts', line).length > 0, `should flag in uapi: ${line}`);
  }
});

test('checker: ignores comments, string text, property names and regex literals', () => {
  const fine = [
    '// setTimeout is armed by the runtime; Date is not used here',
    '/* process.env, console.log, Math.random() */',
    "const msg = 'process console Date setTimeout';",
    'const t = `text with Date in it and ${value} more`;',
    'const o = { process: 1, console: 2 };',
    'obj.process(buf); this.console = 1;',
    "const re = /'Date'/g; const re2 = /\\/\\/ not a comment/;",
    "import { x } from './sibling.js';",
    "import type { Clock } from '../util/ports.js';",
    'interface T { process?: number; performance: string }',
    "const s = 'it\\'s fine'; const u = \"a // b\"; const v = 1;",
  ];
  for (const line of fine) assert.deepEqual(violations('core/example.ts', line), [], line);
});

test('checker: enforces the layer order across src/', () => {
  assert.deepEqual(violations('core/x.ts', "import { a } from '../util/ip.js';"), []);
  assert.deepEqual(violations('core/x.ts', "import { a } from '../wire/constants.js';"), []);
  assert.deepEqual(violations('cli/x.ts', "import { a } from '../runtime/daemon.js'; import b from 'node:fs';"), []);
  assert.deepEqual(violations('index.ts', "export * from './core/device.js';"), []);
  assert.deepEqual(violations('crypto/noble.ts', "import { x25519 } from '@noble/curves/ed25519.js';"), []);
  assert.ok(violations('util/ip.ts', "import type { AllowedIp } from '../core/config.js';").length > 0);
  assert.ok(violations('wire/x.ts', "import { Device } from '../core/device.js';").length > 0);
  assert.ok(violations('core/x.ts', "import { parse } from '../uapi/parse.js';").length > 0);
  assert.ok(violations('events/x.ts', "export { Tun } from '../io/tun.js';").length > 0);
  assert.ok(violations('runtime/x.ts', "import { main } from '../cli/main.js';").length > 0);
  assert.ok(violations('core/x.ts', "import '../io/tun.js';").length > 0);
  assert.ok(violations('core/x.ts', "import { h } from '../../test/helpers/fake-clock.js';").length > 0);
  assert.ok(violations('core/x.ts', "import { x } from '../index.js';").length > 0, 'src root is the top');
  assert.ok(violations('io/x.ts', "import { blake2s } from '@noble/hashes/blake2.js';").length > 0);
});

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The repository root, from dist/test/core/architecture.test.js or test/core/architecture.test.ts. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    try {
      if (statSync(path.join(dir, 'package.json')).isFile() && statSync(path.join(dir, 'src')).isDirectory()) return dir;
    } catch {
      // keep walking up
    }
    dir = path.dirname(dir);
  }
  throw new Error('repository root not found');
}

test('every file in src/ follows the layering and sans-IO rules', () => {
  const srcDir = path.join(repoRoot(), 'src');
  const files = listTs(srcDir);
  assert.ok(files.some((f) => f.includes(`${path.sep}core${path.sep}`)), 'found the core sources');
  const problems: string[] = [];
  for (const f of files) {
    const rel = path.relative(srcDir, f).split(path.sep).join('/');
    for (const p of violations(rel, readFileSync(f, 'utf8'))) problems.push(`src/${rel}: ${p}`);
  }
  assert.deepEqual(problems, []);
});
