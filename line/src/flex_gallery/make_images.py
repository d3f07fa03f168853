#!/usr/bin/env python3
"""Draws the sample hero images of the Flex template gallery (`line/src/flex_gallery.rs`).

Flat illustrations: a colour gradient with a few anti-aliased shapes suggesting the subject.
Only the Python standard library is used (zlib + struct write the PNG), so the images can be
remade anywhere:

    python3 line/src/flex_gallery/make_images.py            # writes public/flex/*.png
    python3 line/src/flex_gallery/make_images.py OUT_DIR    # somewhere else

Every image is 1020 x 663 px: exactly the templates' `aspectRatio` 20:13, and within LINE's
1024 x 1024 px limit for Flex images. Each file stays well under 60 KB. Not run by the tests;
the tests only check that the files the templates name exist and have that size.
"""

import math
import os
import struct
import sys
import zlib

W, H = 1020, 663


def rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))


class Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(w * h * 3)

    def gradient(self, top_left, bottom_right, angle_deg=135):
        """A linear gradient; 90 runs left to right, 180 top to bottom (as in Flex)."""
        a, b = rgb(top_left), rgb(bottom_right)
        rad = math.radians(angle_deg)
        dx, dy = math.sin(rad), -math.cos(rad)
        corners = [x * dx + y * dy for x in (0, self.w) for y in (0, self.h)]
        lo, hi = min(corners), max(corners)
        for y in range(self.h):
            row = bytearray(self.w * 3)
            for x in range(self.w):
                t = ((x + 0.5) * dx + (y + 0.5) * dy - lo) / (hi - lo)
                i = x * 3
                row[i] = round(a[0] + (b[0] - a[0]) * t)
                row[i + 1] = round(a[1] + (b[1] - a[1]) * t)
                row[i + 2] = round(a[2] + (b[2] - a[2]) * t)
            self.px[y * self.w * 3 : (y + 1) * self.w * 3] = row

    def fill(self, sdf, bbox, colour, alpha=1.0):
        """Paints where the signed distance `sdf(x, y)` is negative, anti-aliased at the edge."""
        c = rgb(colour)
        x0, y0, x1, y1 = bbox
        x0, y0 = max(0, int(x0) - 1), max(0, int(y0) - 1)
        x1, y1 = min(self.w, int(x1) + 2), min(self.h, int(y1) + 2)
        for y in range(y0, y1):
            base = y * self.w * 3
            for x in range(x0, x1):
                d = sdf(x + 0.5, y + 0.5)
                if d >= 0.5:
                    continue
                cov = alpha if d <= -0.5 else alpha * (0.5 - d)
                i = base + x * 3
                p = self.px
                p[i] = round(p[i] + (c[0] - p[i]) * cov)
                p[i + 1] = round(p[i + 1] + (c[1] - p[i + 1]) * cov)
                p[i + 2] = round(p[i + 2] + (c[2] - p[i + 2]) * cov)

    # Shapes -------------------------------------------------------------------------------

    def circle(self, cx, cy, r, colour, alpha=1.0):
        self.fill(
            lambda x, y: math.hypot(x - cx, y - cy) - r,
            (cx - r, cy - r, cx + r, cy + r),
            colour,
            alpha,
        )

    def ring(self, cx, cy, r, width, colour, alpha=1.0):
        self.fill(
            lambda x, y: abs(math.hypot(x - cx, y - cy) - r) - width / 2,
            (cx - r - width, cy - r - width, cx + r + width, cy + r + width),
            colour,
            alpha,
        )

    def ellipse(self, cx, cy, rx, ry, colour, alpha=1.0):
        m = min(rx, ry)
        self.fill(
            lambda x, y: (math.hypot((x - cx) / rx, (y - cy) / ry) - 1) * m,
            (cx - rx, cy - ry, cx + rx, cy + ry),
            colour,
            alpha,
        )

    def rect(self, x0, y0, x1, y1, colour, radius=0, alpha=1.0):
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        hx, hy = (x1 - x0) / 2 - radius, (y1 - y0) / 2 - radius

        def sdf(x, y):
            qx, qy = abs(x - cx) - hx, abs(y - cy) - hy
            outside = math.hypot(max(qx, 0), max(qy, 0))
            return outside + min(max(qx, qy), 0) - radius

        self.fill(sdf, (x0, y0, x1, y1), colour, alpha)

    def polygon(self, points, colour, alpha=1.0):
        """A convex polygon, points in either winding."""
        n = len(points)
        area = sum(
            points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1]
            for i in range(n)
        )
        sign = 1 if area > 0 else -1
        edges = []
        for i in range(n):
            (ax, ay), (bx, by) = points[i], points[(i + 1) % n]
            length = math.hypot(bx - ax, by - ay)
            # Outward normal.
            nx, ny = sign * (by - ay) / length, -sign * (bx - ax) / length
            edges.append((nx, ny, nx * ax + ny * ay))

        def sdf(x, y):
            return max(nx * x + ny * y - c for nx, ny, c in edges)

        xs, ys = [p[0] for p in points], [p[1] for p in points]
        self.fill(sdf, (min(xs), min(ys), max(xs), max(ys)), colour, alpha)

    def line(self, ax, ay, bx, by, width, colour, alpha=1.0):
        """A segment with round ends."""
        vx, vy = bx - ax, by - ay
        ll = vx * vx + vy * vy

        def sdf(x, y):
            t = max(0.0, min(1.0, ((x - ax) * vx + (y - ay) * vy) / ll))
            return math.hypot(x - ax - t * vx, y - ay - t * vy) - width / 2

        r = width / 2
        self.fill(
            sdf,
            (min(ax, bx) - r, min(ay, by) - r, max(ax, bx) + r, max(ay, by) + r),
            colour,
            alpha,
        )

    def heart(self, cx, cy, s, colour, alpha=1.0):
        self.circle(cx - s * 0.5, cy - s * 0.2, s * 0.56, colour, alpha)
        self.circle(cx + s * 0.5, cy - s * 0.2, s * 0.56, colour, alpha)
        self.polygon(
            [(cx - s * 1.03, cy + s * 0.02), (cx + s * 1.03, cy + s * 0.02), (cx, cy + s * 1.1)],
            colour,
            alpha,
        )

    def person(self, cx, ground, height, colour, skin="#F1C09A", hair="#5D4037"):
        """A simple figure: a round head with hair over a rounded body."""
        head = height * 0.15
        body_w = height * 0.42
        self.rect(cx - body_w / 2, ground - height * 0.66, cx + body_w / 2, ground,
                  colour, radius=body_w * 0.45)
        hy = ground - height * 0.66 - head * 1.15
        self.circle(cx, hy - head * 0.12, head * 1.06, hair)
        self.circle(cx, hy + head * 0.1, head * 0.9, skin)

    # PNG ----------------------------------------------------------------------------------

    def save(self, path):
        stride = self.w * 3
        raw = bytearray()
        prev = bytes(stride)
        for y in range(self.h):
            row = self.px[y * stride : (y + 1) * stride]
            sub = bytes((row[i] - (row[i - 3] if i >= 3 else 0)) & 0xFF for i in range(stride))
            up = bytes((row[i] - prev[i]) & 0xFF for i in range(stride))

            def cost(filtered):
                return sum(v if v < 128 else 256 - v for v in filtered)

            kind, data = min(((1, sub), (2, up)), key=lambda c: cost(c[1]))
            raw.append(kind)
            raw += data
            prev = row

        def chunk(tag, data):
            body = tag + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        png = b"\x89PNG\r\n\x1a\n"
        png += chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
        png += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        png += chunk(b"IEND", b"")
        with open(path, "wb") as f:
            f.write(png)


# Scenes -------------------------------------------------------------------------------------


def event(c):
    """市民まつり: evening sky, a string of lanterns, fireworks, tents on a green lawn."""
    c.gradient("#FFCC80", "#F48FB1", 180)
    # Fireworks.
    for fx, fy, r, col in ((200, 150, 70, "#FFFFFF"), (820, 120, 55, "#FFF59D"), (560, 90, 40, "#FFFFFF")):
        for k in range(12):
            a = k * math.pi / 6
            c.line(fx + math.cos(a) * r * 0.35, fy + math.sin(a) * r * 0.35,
                   fx + math.cos(a) * r, fy + math.sin(a) * r, 7, col, 0.85)
        c.circle(fx, fy, 8, col)
    # Lawn.
    c.ellipse(510, 760, 820, 260, "#81C784")
    c.ellipse(510, 790, 760, 230, "#66BB6A")
    # Lantern string: a sagging line with lanterns.
    pts = [(x, 230 + 60 * math.sin(math.pi * x / W)) for x in range(-20, W + 40, 20)]
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        c.line(ax, ay, bx, by, 4, "#5D4037")
    for k, x in enumerate(range(90, W, 140)):
        y = 230 + 60 * math.sin(math.pi * x / W)
        body = "#E53935" if k % 2 == 0 else "#FFFFFF"
        c.line(x, y, x, y + 18, 4, "#5D4037")
        c.ellipse(x, y + 58, 32, 42, body)
        c.rect(x - 20, y + 14, x + 20, y + 24, "#3E2723", radius=3)
        c.rect(x - 20, y + 92, x + 20, y + 102, "#3E2723", radius=3)
        for dy in (-20, 0, 20):
            c.line(x - 26, y + 58 + dy, x + 26, y + 58 + dy, 2, "#000000", 0.18)
    # Tents.
    for tx, roof in ((230, "#E53935"), (510, "#1E88E5"), (790, "#FB8C00")):
        c.rect(tx - 110, 470, tx + 110, 600, "#FFFFFF")
        c.rect(tx - 95, 500, tx + 95, 600, "#FFF8E1")
        c.polygon([(tx - 135, 480), (tx + 135, 480), (tx, 395)], roof)
        for k in range(-2, 3):
            c.circle(tx + k * 54, 482, 27, roof)
        c.rect(tx - 60, 540, tx + 60, 560, roof, radius=6, alpha=0.8)


def facility(c):
    """図書館: a public building with columns, trees and a sunny sky."""
    c.gradient("#BBDEFB", "#E3F2FD", 180)
    c.circle(870, 120, 60, "#FFF176")
    c.ellipse(220, 130, 90, 30, "#FFFFFF", 0.9)
    c.ellipse(290, 115, 70, 34, "#FFFFFF", 0.9)
    c.rect(0, 560, W, H, "#A5D6A7")
    c.rect(0, 600, W, H, "#81C784")
    # Building.
    c.rect(260, 300, 760, 560, "#F5E6CA")
    c.polygon([(230, 305), (790, 305), (510, 175)], "#8D6E63")
    c.polygon([(290, 290), (730, 290), (510, 200)], "#F5E6CA")
    c.rect(240, 290, 780, 315, "#A1887F")
    for x in range(300, 740, 80):
        c.rect(x, 330, x + 34, 540, "#FFFFFF", radius=4)
    c.rect(470, 420, 550, 545, "#5D4037", radius=6)
    c.rect(240, 540, 780, 560, "#BCAAA4")
    c.rect(220, 560, 800, 578, "#D7CCC8")
    # Book sign.
    c.rect(460, 230, 560, 280, "#1E7B45", radius=8)
    c.rect(478, 242, 506, 268, "#FFFFFF", radius=2)
    c.rect(514, 242, 542, 268, "#FFFFFF", radius=2)
    # Trees.
    for tx, r in ((120, 90), (900, 80), (990, 60)):
        c.rect(tx - 12, 520, tx + 12, 600, "#6D4C41", radius=4)
        c.circle(tx, 470, r, "#43A047")
        c.circle(tx - r * 0.4, 500, r * 0.7, "#388E3C")


def childcare(c):
    """子育て: a parent and a child holding hands, hearts and a balloon."""
    c.gradient("#FFE0B2", "#F8BBD0", 135)
    c.circle(120, 110, 150, "#FFFFFF", 0.25)
    c.circle(930, 560, 220, "#FFFFFF", 0.25)
    c.ellipse(510, 700, 700, 150, "#C5E1A5")
    # Parent and child.
    c.person(430, 610, 420, "#26A69A")
    c.person(610, 610, 250, "#FFA726", hair="#8D6E63")
    c.line(475, 450, 575, 500, 22, "#F1C09A")
    # Balloon.
    c.line(660, 470, 720, 250, 3, "#795548")
    c.ellipse(730, 190, 55, 68, "#E57373")
    c.polygon([(722, 255), (738, 255), (730, 268)], "#E57373")
    c.ellipse(712, 168, 12, 20, "#FFFFFF", 0.6)
    # Hearts.
    c.heart(240, 260, 40, "#F06292")
    c.heart(850, 330, 30, "#EC407A")
    c.heart(320, 130, 22, "#FFFFFF", 0.9)


def newsletter_cover(c):
    """広報紙: an open magazine with text lines and a photo block."""
    c.gradient("#C8E6C9", "#81C784", 135)
    c.circle(880, 100, 160, "#FFFFFF", 0.2)
    c.rect(175, 125, 855, 575, "#2E7D32", radius=18, alpha=0.25)
    c.rect(160, 110, 510, 560, "#FFFFFF", radius=12)
    c.rect(510, 110, 860, 560, "#FAFAFA", radius=12)
    c.rect(504, 110, 516, 560, "#E0E0E0")
    # Left page: a title bar and a photo.
    c.rect(200, 150, 470, 200, "#1E7B45", radius=8)
    c.rect(200, 225, 470, 390, "#A5D6A7", radius=8)
    c.circle(280, 300, 40, "#FFF176")
    c.polygon([(230, 390), (330, 300), (430, 390)], "#66BB6A")
    for y in range(420, 530, 28):
        c.rect(200, y, 470, y + 12, "#CFD8DC", radius=6)
    # Right page: a heading and text lines.
    c.rect(550, 150, 700, 180, "#66BB6A", radius=8)
    for y in range(215, 520, 28):
        c.rect(550, y, 820 if y % 3 else 760, y + 12, "#CFD8DC", radius=6)


def newsletter_bousai(c):
    """冬の防災: a snowy house at night and an emergency bag."""
    c.gradient("#1A3A5C", "#5C7FAF", 180)
    for k in range(40):
        x = (k * 197) % W
        y = (k * 131) % 420
        c.circle(x, y, 4 + k % 4, "#FFFFFF", 0.85)
    c.ellipse(510, 760, 800, 240, "#ECEFF1")
    # House.
    c.rect(170, 330, 470, 560, "#FFE0B2")
    c.polygon([(140, 340), (500, 340), (320, 200)], "#8D6E63")
    c.polygon([(150, 330), (320, 198), (335, 210), (175, 338)], "#FFFFFF")
    c.polygon([(320, 198), (490, 330), (465, 338), (305, 210)], "#FFFFFF")
    c.rect(220, 390, 300, 460, "#FFF59D", radius=4)
    c.rect(350, 420, 420, 560, "#6D4C41", radius=4)
    # Emergency bag with a white cross.
    c.rect(600, 310, 820, 570, "#E65100", radius=36)
    c.rect(660, 270, 760, 330, "#E65100", radius=24)
    c.rect(680, 290, 740, 320, "#1A3A5C", radius=12)
    c.rect(630, 420, 790, 540, "#F57C00", radius=20)
    c.rect(695, 360, 725, 440, "#FFFFFF", radius=4)
    c.rect(670, 385, 750, 415, "#FFFFFF", radius=4)
    # Flashlight.
    c.polygon([(905, 485), (905, 515), (1020, 570), (1020, 430)], "#FFF59D", 0.6)
    c.rect(845, 484, 895, 516, "#37474F", radius=6)
    c.rect(890, 476, 910, 524, "#546E7A", radius=4)


def newsletter_topics(c):
    """まちの話題: people talking, with speech bubbles."""
    c.gradient("#FFF9C4", "#FFCC80", 135)
    c.circle(140, 560, 200, "#FFFFFF", 0.3)
    c.rect(0, 560, W, H, "#FFE082")
    for x, h, col in ((260, 300, "#5C6BC0"), (510, 330, "#26A69A"), (760, 290, "#EF5350")):
        c.person(x, 600, h, col)
    # Speech bubbles.
    for x, y, w in ((140, 90, 220), (410, 60, 200), (670, 100, 230)):
        c.rect(x, y, x + w, y + 110, "#FFFFFF", radius=24)
        c.polygon([(x + w * 0.45, y + 105), (x + w * 0.6, y + 105), (x + w * 0.5, y + 145)], "#FFFFFF")
        c.rect(x + 28, y + 32, x + w - 28, y + 46, "#B0BEC5", radius=7)
        c.rect(x + 28, y + 64, x + w * 0.6, y + 78, "#B0BEC5", radius=7)


SCENES = {
    "event.png": event,
    "facility.png": facility,
    "childcare.png": childcare,
    "newsletter-cover.png": newsletter_cover,
    "newsletter-bousai.png": newsletter_bousai,
    "newsletter-topics.png": newsletter_topics,
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "..", "public", "flex")
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default)
    os.makedirs(out, exist_ok=True)
    for name, draw in SCENES.items():
        canvas = Canvas(W, H)
        draw(canvas)
        path = os.path.join(out, name)
        canvas.save(path)
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
