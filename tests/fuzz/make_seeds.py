#!/usr/bin/env python3
"""Writes the fuzz seeds in tests/fuzz/seeds/<target>/ from corpus/ and tests/golden/.

Deterministic: run it from anywhere after the corpus changes; it replaces the seed folders.
Needs the zstd command (for the zstd seeds). The seeds are kept small (a few hundred KB in all):
libFuzzer grows its own corpus from them.

  fuzz_parse_line  one line per seed, one per distinct line shape (program, record, stamp form)
  fuzz_pipeline    3 option bytes (two chunk sizes, horizon and year) + a window of a log
  fuzz_input       a small file (plain, gzip, multi-member gzip, zstd, multi-frame zstd,
                   skippable frames, ...) + 1 option byte (chunk size, retain)

Files named regress-* are inputs that once failed (a fixed bug): they are kept as they are.
"""
import gzip
import hashlib
import os
import re
import subprocess
import sys
import zlib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SEEDS = os.path.join(ROOT, "tests", "fuzz", "seeds")


def read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def decompress(rel):
    data = read(rel)
    if rel.endswith(".gz"):
        return gzip.decompress(data)
    if rel.endswith(".zst"):
        return subprocess.run(["zstd", "-dc"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data


def sources():
    """(name, text) of every log in the corpus and the golden cases."""
    out = []
    for rel in ["corpus/mail.log", "corpus/mail.log.1.zst", "corpus/mail.log.2.gz"]:
        out.append((rel, decompress(rel)))
    for case in ["long-qids", "short-qids"]:
        out.append((f"corpus/real/{case}/mail.log", read(f"corpus/real/{case}/mail.log")))
    for case in sorted(os.listdir(os.path.join(ROOT, "tests", "golden"))):
        rel = f"tests/golden/{case}/mail.log"
        if os.path.exists(os.path.join(ROOT, rel)):
            out.append((rel, read(rel)))
    return out


def reset(target):
    """Empties seeds/<target>/ but for regress-* files (inputs of fixed bugs, kept by hand)."""
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if not name.startswith("regress-"):
            os.remove(os.path.join(d, name))
    return d


def put(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def zstd(data, *args):
    return subprocess.run(["zstd", "-q", "-c", *args], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


STAMP_FORMS = [
    (re.compile(rb"^<\d+>1 "), b"rfc5424"),
    (re.compile(rb"^\d{4}-\d\d-\d\dT[^ ]*Z "), b"rfc3339z"),
    (re.compile(rb"^\d{4}-\d\d-\d\dT[^ ]*[+-]\d\d:?\d\d "), b"rfc3339"),
    (re.compile(rb"^[A-Z][a-z]{2}  \d "), b"bsd-space"),
    (re.compile(rb"^[A-Z][a-z]{2} \d "), b"bsd-bare"),
    (re.compile(rb"^[A-Z][a-z]{2} \d\d "), b"bsd"),
]


def shape(line):
    """A line's shape: stamp form, program (without pid), and the record's first words."""
    form = b"other"
    for rx, name in STAMP_FORMS:
        if rx.match(line):
            form = name
            break
    m = re.match(rb"^(?:<\d+>1 )?\S+(?: +\d+ \S+)? +\S+ +([^\[: ]+)(?:\[\d*\])?: ?(.*)$", line)
    if not m:
        return (form, b"?", line[:12])
    prog, text = m.group(1), m.group(2)
    text = re.sub(rb"^[0-9A-Za-z]{9,21}: ", b"QID: ", text)
    words = re.sub(rb"[0-9]+", b"9", text)
    words = re.sub(rb"<[^>]*>", b"<>", words)
    status = re.search(rb"status=[a-z-]+", text)
    head = b" ".join(words.split(b" ")[:2])
    return (form, prog, head, status.group(0) if status else b"")


def parse_line_seeds(srcs):
    d = reset("fuzz_parse_line")
    seen = set()
    n = 0
    for _, text in srcs:
        for line in text.split(b"\n"):
            if not line:
                continue
            key = shape(line)
            if key in seen:
                continue
            seen.add(key)
            put(d, "line-%03d" % n, line[:600])
            n += 1
    # A few hostile shapes that a log may hold.
    extras = [
        b"",
        b"\r",
        b"Jun 17 10:00:00 mx1 postfix/smtp[1]: 1A2B3C4D5E: to=<a@b.example>, relay=none,"
        b" delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (x (y) z) tail)\r",
        b"Jun 17 10:00:00 mx1 postfix/smtp[1]: 1A2B3C4D5E: to=<a\x00b@c.example>, status=sent (\xff\xfe)",
        b"Jun 17 10:00:00 mx1 message repeated 3 times: [ postfix/smtpd[9]: NOQUEUE: reject: RCPT"
        b" from x[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied; from=<s@x> to=<a@b>"
        b" proto=ESMTP helo=<x>]",
        b"Jun 17 10:00:00 mx1 postfix/smtp[1]: 1A2B3C4D5E: " + b"to=<" + b"a" * 300 + b">",
    ]
    for i, e in enumerate(extras):
        put(d, "extra-%02d" % i, e)
    return n + len(extras)


def windows(text, size, count, salt):
    """count windows of about size bytes, cut on line ends, spread over text."""
    lines = text.split(b"\n")
    out = []
    if not lines:
        return out
    step = max(1, len(lines) // max(1, count))
    for k in range(count):
        start = (k * step + salt) % len(lines)
        buf = b""
        i = start
        while i < len(lines) and len(buf) + len(lines[i]) + 1 <= size:
            buf += lines[i] + b"\n"
            i += 1
        if buf:
            out.append(buf)
    return out


def pipeline_seeds(srcs):
    d = reset("fuzz_pipeline")
    n = 0
    for si, (name, text) in enumerate(srcs):
        if not text:
            put(d, "empty", bytes([0, 15, 0]))
            n += 1
            continue
        count = 1 if len(text) <= 4096 else 6
        for w in windows(text, 4000, count, si):
            opts = bytes([n % 16, (n * 7 + 3) % 16, n % 8])
            put(d, "log-%03d" % n, opts + w)
            n += 1
    return n


def gzip_member(data, level=6, mtime=0):
    return gzip.compress(data, compresslevel=level, mtime=mtime)


def input_seeds(srcs):
    d = reset("fuzz_input")
    texts = [t for _, t in srcs if t]
    small = [w for t in texts[:3] for w in windows(t, 1500, 2, 0)]
    a, b, c = small[0], small[1], small[2]
    files = {
        "plain": a,
        "plain-no-final-newline": a.rstrip(b"\n"),
        "plain-crlf": a.replace(b"\n", b"\r\n"),
        "plain-cr-only": a.replace(b"\n", b"\r"),
        "plain-nul": a[:200] + b"\x00\x00" + a[200:],
        "empty": b"",
        "gzip": gzip_member(a),
        "gzip-level1": gzip_member(b, level=1),
        "gzip-stored": gzip_member(c, level=0),
        "gzip-two-members": gzip_member(a) + gzip_member(b),
        "gzip-three-members-split-line": gzip_member(a[:100]) + gzip_member(a[100:700])
        + gzip_member(a[700:]),
        "gzip-empty-member": gzip_member(b"") + gzip_member(b),
        "gzip-zero-padding": gzip_member(a) + b"\x00" * 64,
        "gzip-trailing-garbage": gzip_member(a) + b"garbage\n",
        "gzip-truncated": gzip_member(b)[:-9],
        "gzip-bad-crc": (lambda g: g[:-8] + bytes([g[-8] ^ 1]) + g[-7:])(gzip_member(c)),
        "gzip-header-crc": (lambda raw: b"\x1f\x8b\x08\x02\x00\x00\x00\x00\x00\x03"
                            + (zlib.crc32(b"\x1f\x8b\x08\x02\x00\x00\x00\x00\x00\x03") & 0xffff)
                            .to_bytes(2, "little") + raw + zlib.crc32(a).to_bytes(4, "little")
                            + len(a).to_bytes(4, "little"))(
                                zlib.compress(a)[2:-4]),
        "zstd": zstd(a),
        "zstd-checksum": zstd(b, "--check"),
        "zstd-no-checksum": zstd(c, "--no-check"),
        "zstd-two-frames": zstd(a) + zstd(b),
        "zstd-split-line-frames": zstd(a[:50]) + zstd(a[50:900]) + zstd(a[900:]),
        "zstd-no-content-size": zstd(b, "--no-content-size"),
        "zstd-skippable-first": b"\x50\x2a\x4d\x18" + (8).to_bytes(4, "little") + b"skipped!"
        + zstd(a),
        "zstd-skippable-between": zstd(a) + b"\x5f\x2a\x4d\x18" + (3).to_bytes(4, "little")
        + b"abc" + zstd(c),
        "zstd-truncated": zstd(b)[:-5],
        "zstd-trailing-garbage": zstd(c) + b"garbage\n",
        "zstd-empty-frame": zstd(b"") + zstd(a),
        "zstd-level19": zstd(a + b, "-19"),
        "xz-magic": b"\xfd7zXZ\x00" + b"\x00" * 20,
        "bzip2-magic": b"BZh9" + b"\x31\x41\x59\x26\x53\x59" + b"\x00" * 10,
        "binary": bytes(range(256)),
    }
    for i, (name, data) in enumerate(sorted(files.items())):
        put(d, name, data + bytes([i % 16]))
    return len(files)


def main():
    srcs = sources()
    counts = (parse_line_seeds(srcs), pipeline_seeds(srcs), input_seeds(srcs))
    total = 0
    for root, _, names in os.walk(SEEDS):
        total += sum(os.path.getsize(os.path.join(root, n)) for n in names)
    print("seeds: %d parse_line, %d pipeline, %d input; %d bytes" % (*counts, total))


if __name__ == "__main__":
    sys.exit(main())
