#!/usr/bin/env python3
"""png_colours.py FILE RRGGBB...: checks FILE is a PNG (signature, IHDR, every chunk's
CRC, the pixels inflate to the size IHDR says) and prints its width and height, then
for each colour the number of pixels of exactly that colour. Exit 1 (with the reason
on stderr) when it is not such a PNG. Only what libgd writes is read: 8-bit RGB or
RGBA, not interlaced."""
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) != crc:
            raise ValueError("bad CRC in chunk %r" % kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    if not ihdr:
        raise ValueError("no IHDR")
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("not 8-bit RGB(A), not interlaced: %r" % (ihdr,))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        raise ValueError("pixel data of %d bytes, not %d" % (len(raw), h * (stride + 1)))
    prev, rows = bytearray(stride), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, a, b, (a + b) // 2, paeth(a, b, c))[f]) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    try:
        w, h, bpp, rows = pixels(sys.argv[1])
    except (OSError, ValueError, zlib.error, struct.error) as e:
        print("png_colours: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 1
    counts = {}
    for line in rows:
        for i in range(0, len(line), bpp):
            key = bytes(line[i:i + 3])
            counts[key] = counts.get(key, 0) + 1
    print(w, h)
    for c in sys.argv[2:]:
        print(c, counts.get(bytes.fromhex(c), 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
