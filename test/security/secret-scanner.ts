// Finds secrets in text (design.md / preamble: "never put a private or
// preshared key in a log line, error message, event or reply"). A secret is
// registered as raw bytes (a WireGuard key: searched as lowercase hex,
// uppercase hex, standard base64, and base64 without padding) or as a string
// (a webhook token). Beyond exact matches it reports any window of
// `window` characters of an encoding (default 16 ≈ 64 bits of a hex key),
// so a truncated or partly redacted key still counts as leaked.
import { toBase64, toHex } from '../../src/util/bytes.js';

export interface SecretHit {
  readonly label: string;
  readonly encoding: string;
  /** The matching excerpt (only for the test's own failure message). */
  readonly excerpt: string;
}

interface Needle {
  readonly label: string;
  readonly encoding: string;
  readonly text: string;
}

export class SecretScanner {
  private readonly needles: Needle[] = [];

  constructor(private readonly window = 16) {}

  /** Registers a 32-byte key (or any byte string) under `label`. */
  addKey(label: string, key: Uint8Array): this {
    const hex = toHex(key);
    const b64 = toBase64(key);
    this.addForms(label, [
      ['hex', hex],
      ['HEX', hex.toUpperCase()],
      ['base64', b64],
      ['base64url', b64.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')],
    ]);
    return this;
  }

  /** Registers a secret string (token, signing secret) under `label`. */
  addString(label: string, secret: string): this {
    this.addForms(label, [['text', secret]]);
    return this;
  }

  private addForms(label: string, forms: readonly (readonly [string, string])[]): void {
    for (const [encoding, text] of forms) {
      if (text.length < this.window) {
        this.needles.push({ label, encoding, text });
        continue;
      }
      for (let i = 0; i + this.window <= text.length; i++) {
        this.needles.push({ label, encoding, text: text.slice(i, i + this.window) });
      }
    }
  }

  get size(): number {
    return this.needles.length;
  }

  /** Every secret found in `text` (at most one hit per label and encoding). */
  scan(text: string): SecretHit[] {
    const hits: SecretHit[] = [];
    const seen = new Set<string>();
    for (const n of this.needles) {
      const id = `${n.label}/${n.encoding}`;
      if (seen.has(id)) continue;
      const at = text.indexOf(n.text);
      if (at < 0) continue;
      seen.add(id);
      hits.push({ label: n.label, encoding: n.encoding, excerpt: text.slice(Math.max(0, at - 20), at + n.text.length + 20) });
    }
    return hits;
  }

  /** Throws (naming label, encoding and where) if `text` holds any registered secret. */
  assertClean(text: string, where: string): void {
    const hits = this.scan(text);
    if (hits.length > 0) {
      throw new Error(`${where}: secret leaked: ${hits.map((h) => `${h.label} as ${h.encoding} in …${h.excerpt}…`).join('; ')}`);
    }
  }
}
