#!/usr/bin/env python3
"""Write frames of a pcap as fuzz-corpus files for tests/fuzz/fuzz_decode.c
(byte 0 = link-type selector: 0 Ethernet, 1 raw, 2 null, 3 loop, 4 SLL,
5 SLL2), keeping at most N frames, spread over the file and deduplicated.
    pcap2corpus.py FILE.pcap OUTDIR [N]"""
import hashlib
import os
import struct
import sys

SEL = {1: 0, 101: 1, 12: 1, 0: 2, 108: 3, 113: 4, 276: 5}
path, out = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 300
os.makedirs(out, exist_ok=True)
data = open(path, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
link = struct.unpack(e + "I", data[20:24])[0]
sel = SEL.get(link & 0xFFFF)
if sel is None:
    sys.exit(f"{path}: link type {link} not decoded")
frames, off = [], 24
while off + 16 <= len(data):
    incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
    frames.append(data[off + 16:off + 16 + incl])
    off += 16 + incl
step = max(1, len(frames) // (limit * 4))
seen, n = set(), 0
for fr in frames[::step]:
    key = fr[:64]  # headers: one seed per header shape
    h = hashlib.sha1(key[12:14] + key[23:24] + key[34:38]).hexdigest()
    if h in seen and n > limit // 2:
        continue
    seen.add(h)
    with open(os.path.join(out, f"gen-{n:04d}"), "wb") as f:
        f.write(bytes([sel]) + fr)
    n += 1
    if n >= limit:
        break
print(f"{n} seeds from {path}")
