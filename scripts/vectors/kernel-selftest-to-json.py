#!/usr/bin/env python3
"""Convert the Linux kernel's crypto selftest tables into vectors/*.json.

Reads one of lib/crypto/{chacha20poly1305,curve25519,blake2s}-selftest.c (as
shipped in Debian's linux-source-* package), parses only the C array
initialisers (byte arrays, struct arrays, designated initialisers) and writes
the test data as JSON. It never compiles or runs kernel code; every byte comes
from the table text, and each table's shape is checked against the kernel's
own sizeof()/length rules so a parsing slip fails here, not in a test.

Usage:
  kernel-selftest-to-json.py {chacha20poly1305|curve25519|blake2s} FILE.c OUT.json
      [--package linux-source-6.1] [--version V] [--path lib/crypto/X.c]
--version defaults to what `dpkg-query` reports for --package.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from typing import Union

CONVERTER = "scripts/vectors/kernel-selftest-to-json.py"

# ---------------------------------------------------------------- tokenizer

_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)|([A-Za-z_]\w*)|(.))", re.S)


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def tokenize(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot tokenize at {pos}")
        out.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    return out


# An initializer is a brace list of items; an item is a nested list, a
# designated ('.name', value) pair, or a flat token expression.
Init = Union[list, tuple, str]


def parse_braced(tokens: list[str], i: int) -> tuple[list, int]:
    """Parse `{ item, item, ... }` starting at tokens[i] == '{'."""
    assert tokens[i] == "{", tokens[i]
    i += 1
    items: list = []
    while tokens[i] != "}":
        designator = None
        if tokens[i] == "." and tokens[i + 2] == "=":
            designator = tokens[i + 1]
            i += 3
        if tokens[i] == "{":
            value, i = parse_braced(tokens, i)
        else:
            depth, start = 0, i
            while depth > 0 or tokens[i] not in (",", "}"):
                depth += {"(": 1, ")": -1}.get(tokens[i], 0)
                i += 1
            value = " ".join(tokens[start:i])
        items.append((designator, value) if designator else value)
        if tokens[i] == ",":
            i += 1
    return items, i + 1


def find_initializers(text: str) -> dict[str, list]:
    """Every `NAME[...] ... = { ... };` at file scope, by NAME."""
    tokens = tokenize(strip_comments(text))
    found: dict[str, list] = {}
    for i, tok in enumerate(tokens):
        if tok != "=" or tokens[i + 1] != "{":
            continue
        # walk back over `__initconst` and `[dim]` groups to the declared name
        j = i - 1
        if tokens[j] == "__initconst":
            j -= 1
        while tokens[j] == "]":
            while tokens[j] != "[":
                j -= 1
            j -= 1
        name = tokens[j]
        if not re.fullmatch(r"[A-Za-z_]\w*", name) or tokens[j - 1] == ".":
            continue
        value, _ = parse_braced(tokens, i + 1)
        if name in found:
            raise ValueError(f"duplicate initializer {name}")
        found[name] = value
    return found


def to_bytes(items: list, size: int | None = None) -> bytes:
    vals = []
    for it in items:
        if not isinstance(it, str):
            raise ValueError(f"not a byte: {it!r}")
        v = int(it, 0)
        if not 0 <= v <= 0xFF:
            raise ValueError(f"byte out of range: {it}")
        vals.append(v)
    if size is not None:
        if len(vals) > size:
            raise ValueError(f"{len(vals)} initializers for {size} bytes")
        vals += [0] * (size - len(vals))  # C zero-fills partial initializers
    return bytes(vals)


# ---------------------------------------------------------------- per file


def chacha20poly1305(inits: dict[str, list]) -> dict:
    class Arrays(dict):
        def __missing__(self, name: str) -> bytes:
            self[name] = to_bytes(inits[name])  # only the arrays the tables name
            return self[name]

    arrays = Arrays()

    def table(name: str, prefix: str) -> list[dict]:
        rows = []
        for idx, row in enumerate(inits[name], 1):
            # struct chacha20poly1305_testvec, positional:
            # input, output, assoc, nonce, key, ilen, alen, nlen[, failure]
            if len(row) not in (8, 9):
                raise ValueError(f"{name}[{idx}]: {len(row)} fields")
            inp, out, assoc, nonce, key = (arrays[n] for n in row[:5])
            for field, arr in zip(row[5:8], (row[0], row[2], row[3])):
                if field != f"sizeof ( {arr} )":
                    raise ValueError(f"{name}[{idx}]: length {field} is not sizeof({arr})")
            failure = len(row) == 9 and row[8] == "true"
            if len(row) == 9 and row[8] not in ("true", "false"):
                raise ValueError(f"{name}[{idx}]: failure flag {row[8]}")
            want = [f"{prefix}_{part}{idx:03d}" for part in ("input", "output", "assoc", "nonce", "key")]
            if list(row[:5]) != want:
                raise ValueError(f"{name}[{idx}] refers to {row[:5]}")
            if len(key) != 32:
                raise ValueError(f"{row[4]}: key is {len(key)} bytes")
            v = {"name": f"{prefix}{idx:03d}", "key": key.hex(), "nonce": nonce.hex(),
                 "nonceLength": len(nonce), "aad": assoc.hex()}
            if prefix.endswith("enc"):
                # the kernel compares ilen + 16 bytes of output
                if len(out) != len(inp) + 16:
                    raise ValueError(f"{row[1]}: {len(out)} bytes for {len(inp)} + tag")
                v |= {"plaintext": inp.hex(), "output": out.hex()}
            else:
                if not failure and len(inp) != len(out) + 16:
                    raise ValueError(f"{row[0]}: {len(inp)} bytes for {len(out)} + tag")
                v |= {"input": inp.hex(), "output": out.hex(), "mustFail": failure}
            rows.append(v)
        return rows

    enc = table("chacha20poly1305_enc_vectors", "enc")
    dec = table("chacha20poly1305_dec_vectors", "dec")
    xenc = table("xchacha20poly1305_enc_vectors", "xenc")
    xdec = table("xchacha20poly1305_dec_vectors", "xdec")
    bad = [v["name"] for v in enc if v["nonceLength"] not in (8, 12)]
    bad += [v["name"] for v in dec if v["nonceLength"] != 8]  # decrypted with get_unaligned_le64
    bad += [v["name"] for v in xenc + xdec if v["nonceLength"] != 24]
    if bad:
        raise ValueError(f"unexpected nonce lengths: {bad}")
    return {
        "description": (
            "ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305 selftest tables. "
            "An 8-byte 'nonce' is the kernel's 64-bit counter stored little-endian "
            "(the kernel passes get_unaligned_le64(nonce)); the 12-byte RFC 8439 nonce is "
            "4 zero bytes followed by those 8 bytes, exactly WireGuard's transport nonce "
            "(whitepaper 5.4.6). A 12-byte nonce is used as is. encrypt/xchachaEncrypt: "
            "output = ciphertext || 16-byte tag of plaintext. decrypt/xchachaDecrypt: "
            "input = ciphertext || tag, output = expected plaintext; mustFail = the kernel's "
            "failure flag (decryption must be rejected; output is then not compared)."),
        "counts": {"encrypt": len(enc),
                   "encryptNonce8": sum(v["nonceLength"] == 8 for v in enc),
                   "encryptNonce12": sum(v["nonceLength"] == 12 for v in enc),
                   "decrypt": len(dec), "decryptMustFail": sum(v["mustFail"] for v in dec),
                   "xchachaEncrypt": len(xenc), "xchachaDecrypt": len(xdec)},
        "encrypt": enc,
        "decrypt": dec,
        "xchachaEncrypt": xenc,
        "xchachaDecrypt": xdec,
    }


def curve25519(inits: dict[str, list]) -> dict:
    vectors = []
    for idx, row in enumerate(inits["curve25519_test_vectors"], 1):
        fields = dict(row)
        if not all(isinstance(it, tuple) for it in row) or set(fields) - {"private", "public", "result", "valid"}:
            raise ValueError(f"vector {idx}: unexpected fields {row!r}")
        valid = fields.get("valid", "false")
        if valid not in ("true", "false"):
            raise ValueError(f"vector {idx}: valid = {valid}")
        # u8 [CURVE25519_KEY_SIZE] members; omitted ones are all zero
        v = {k: to_bytes(fields.get(k, []), 32).hex() for k in ("private", "public", "result")}
        vectors.append(v | {"valid": valid == "true"})
    return {
        "description": ("X25519(private, public) = result; valid=false means the kernel returns "
                        "failure with an all-zero output (low-order public key), which our "
                        "providers report as null. Members left out of a C initializer are zero."),
        "counts": {"vectors": len(vectors), "mustFail": sum(not v["valid"] for v in vectors)},
        "vectors": vectors,
    }


def blake2s(inits: dict[str, list]) -> dict:
    rows = inits["blake2s_testvecs"]
    # Inputs as built by blake2s_selftest(): key[0]=key[1]=1, key[i] = key[i-2] +
    # key[i-1] (u8 arithmetic); buf[i] = i. Entry i hashes buf[0..i) to
    # 1 + i % 32 bytes with the last (13*i) % 33 bytes of key as the key.
    key = [1, 1]
    while len(key) < 32:
        key.append((key[-2] + key[-1]) & 0xFF)
    vectors = []
    for i, row in enumerate(rows):
        out_len = 1 + i % 32
        key_len = (13 * i) % 33
        digest = to_bytes(row)
        if len(digest) != out_len:
            raise ValueError(f"entry {i}: {len(digest)} bytes, expected {out_len}")
        vectors.append({"inputLength": i, "key": bytes(key[32 - key_len:]).hex(),
                        "outLen": out_len, "hash": digest.hex()})
    return {
        "description": ("BLAKE2s (RFC 7693) selftest table: entry i hashes the bytes 00, 01, ..., "
                        "i-1 (inputLength = i) with the given key (empty = unkeyed) to outLen "
                        "bytes (outLen is in the parameter block, not a truncation)."),
        "inputPattern": "bytes 00, 01, ..., inputLength-1",
        "counts": {"vectors": len(vectors), "unkeyed": sum(v["key"] == "" for v in vectors),
                   "keyed": sum(v["key"] != "" for v in vectors)},
        "vectors": vectors,
    }


CONVERTERS = {"chacha20poly1305": chacha20poly1305, "curve25519": curve25519, "blake2s": blake2s}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=sorted(CONVERTERS))
    ap.add_argument("source_file")
    ap.add_argument("out_json")
    ap.add_argument("--package", default="linux-source-6.1")
    ap.add_argument("--version", default=None)
    ap.add_argument("--path", default=None, help="path of the file inside the kernel tree")
    args = ap.parse_args()

    raw = open(args.source_file, "rb").read()
    version = args.version or subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", args.package],
        check=True, capture_output=True, text=True).stdout.strip()
    path = args.path or f"lib/crypto/{args.kind}-selftest.c"
    data = CONVERTERS[args.kind](find_initializers(raw.decode("utf-8")))
    doc = {"source": (f"Linux kernel {path} from Debian package {args.package} version {version} "
                      f"(member {args.package}/{path} of /usr/src/{args.package}.tar.xz, "
                      f"sha256 {hashlib.sha256(raw).hexdigest()}), "
                      f"converted mechanically by {CONVERTER} {args.kind}")} | data
    with open(args.out_json, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
