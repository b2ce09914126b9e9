#!/usr/bin/env python3
"""Draws the bundled courses' pictures (curricula/images/*.png) with the standard library only.

Run from the repository root: python3 scripts/make_pictures.py
The pictures are small on purpose: the terminal shows them with a few dozen character cells.
"""
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "curricula" / "images"


def png(path, pixels):
    """Writes rows of (r, g, b) tuples as an 8-bit RGB PNG."""
    h, w = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9))
    data += chunk(b"IEND", b"")
    path.write_bytes(data)


def canvas(w, h, colour):
    return [[colour] * w for _ in range(h)]


def rect(img, x0, y0, x1, y1, colour):
    for y in range(max(y0, 0), min(y1, len(img))):
        for x in range(max(x0, 0), min(x1, len(img[0]))):
            img[y][x] = colour


def ellipse(img, cx, cy, rx, ry, colour):
    for y in range(cy - ry, cy + ry + 1):
        for x in range(cx - rx, cx + rx + 1):
            if 0 <= y < len(img) and 0 <= x < len(img[0]):
                if ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0:
                    img[y][x] = colour


WHITE = (255, 255, 255)
INK = (30, 30, 30)
BLUE = (40, 110, 220)


def fraction_bar(parts, shaded):
    """A bar cut into `parts` equal parts, the first `shaded` of them coloured."""
    part, line = 20, 4
    w = parts * part + (parts + 1) * line
    h = 48
    img = canvas(w, h, INK)
    for i in range(parts):
        x0 = line + i * (part + line)
        rect(img, x0, line, x0 + part, h - line, BLUE if i < shaded else WHITE)
    return img


def equal_and_unequal():
    """Two bars of the same length: 4 equal parts (1 shaded) above, 4 unequal pieces below."""
    line = 4
    top = [20, 20, 20, 20]
    bottom = [38, 10, 22, 10]
    w = sum(top) + (len(top) + 1) * line
    h = 2 * 40 + 12
    img = canvas(w, h, WHITE)
    for y0, parts in ((0, top), (52, bottom)):
        rect(img, 0, y0, w, y0 + 40, INK)
        x = line
        for i, part in enumerate(parts):
            rect(img, x, y0 + line, x + part, y0 + 40 - line, BLUE if (y0 == 0 and i == 0) else WHITE)
            x += part + line
    return img


def leaf_section():
    """A leaf cut across: cuticle, upper skin, palisade cells, spongy cells with air spaces,
    lower skin with one stoma between two guard cells."""
    w, h = 160, 100
    img = canvas(w, h, WHITE)
    rect(img, 0, 4, w, 8, (235, 225, 150))  # waxy cuticle
    skin = (215, 240, 210)
    for x in range(0, w, 16):  # upper epidermis: flat clear cells
        rect(img, x, 8, x + 16, 20, INK)
        rect(img, x + 1, 9, x + 15, 19, skin)
    for x in range(0, w, 12):  # palisade: tall cells packed with chloroplasts
        rect(img, x, 20, x + 12, 52, INK)
        rect(img, x + 1, 21, x + 11, 51, (120, 190, 90))
        for y in range(24, 50, 6):
            rect(img, x + 3, y, x + 6, y + 3, (20, 100, 30))
            rect(img, x + 7, y + 3, x + 10, y + 6, (20, 100, 30))
    for i, (cx, cy) in enumerate(  # spongy layer: round cells, air spaces between
        [(x, y) for y in (60, 74) for x in range(10, w, 26)]
    ):
        ox = 8 if (cy == 74) else 0
        ellipse(img, cx + ox, cy, 10, 6, INK)
        ellipse(img, cx + ox, cy, 9, 5, (160, 210, 130))
        rect(img, cx + ox - 2, cy - 1, cx + ox + 1, cy + 2, (40, 120, 40))
    for x in range(0, w, 16):  # lower epidermis
        rect(img, x, 84, x + 16, 96, INK)
        rect(img, x + 1, 85, x + 15, 95, skin)
    rect(img, 74, 84, 86, 96, WHITE)  # the stoma: a gap in the lower skin...
    ellipse(img, 71, 90, 4, 7, (40, 140, 50))  # ...between two guard cells
    ellipse(img, 89, 90, 4, 7, (40, 140, 50))
    return img


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    png(OUT / "fraction-3-of-4.png", fraction_bar(4, 3))
    png(OUT / "equal-and-unequal.png", equal_and_unequal())
    png(OUT / "leaf-section.png", leaf_section())
    for p in sorted(OUT.glob("*.png")):
        print(f"{p.relative_to(OUT.parent.parent)}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
