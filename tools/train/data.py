"""Procedural dataset: coloured shapes on coloured backgrounds, with captions from the grammar
users type (see README of each model package).

  image: "a {color} {shape} at the {position} on a {color} background"
  video: "a {color} {shape} moving {left|right|up|down} on a {color} background"

Shape colour != background colour. A fixed, seeded ~10 % of the caption combinations is held
out of training (HELD_OUT_*), to measure generalisation.
"""
import itertools
import random

import numpy as np

from .vocab import COLORS, DIRECTIONS, POSITIONS, SHAPES

SIZE = 32
PALETTE = {  # RGB 0..255; the evaluator's colour masks use the nearest of these
    "red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 220),
    "yellow": (240, 220, 40), "purple": (140, 50, 180), "orange": (245, 140, 30),
    "white": (245, 245, 245), "black": (20, 20, 20),
}
# grid centres (pixels, 32x32 image) for the nine positions: (x, y)
_COORD = {"left": 7.5, "center": 16.0, "right": 24.5, "top": 7.5, "bottom": 24.5}
POS_XY = {}
for p in POSITIONS:
    w = p.split()
    if len(w) == 2:
        POS_XY[p] = (_COORD[w[1]], _COORD[w[0]])
    elif p in ("left", "right"):
        POS_XY[p] = (_COORD[p], 16.0)
    elif p in ("top", "bottom"):
        POS_XY[p] = (16.0, _COORD[p])
    else:
        POS_XY[p] = (16.0, 16.0)

IMAGE_COMBOS = [(c, s, p, b) for c, s, p, b in itertools.product(COLORS, SHAPES, POSITIONS, COLORS)
                if c != b]
VIDEO_COMBOS = [(c, s, d, b) for c, s, d, b in itertools.product(COLORS, SHAPES, DIRECTIONS, COLORS)
                if c != b]


def _split(combos, seed, frac=0.1):
    rng = random.Random(seed)
    idx = list(range(len(combos)))
    rng.shuffle(idx)
    n = int(len(combos) * frac)
    held = set(idx[:n])
    return ([combos[i] for i in range(len(combos)) if i not in held],
            [combos[i] for i in sorted(held)])


IMAGE_TRAIN, IMAGE_HELD_OUT = _split(IMAGE_COMBOS, 1234)
VIDEO_TRAIN, VIDEO_HELD_OUT = _split(VIDEO_COMBOS, 4321)


def image_caption(c, s, p, b):
    return f"a {c} {s} at the {p} on a {b} background"


def video_caption(c, s, d, b):
    return f"a {c} {s} moving {d} on a {b} background"


_SS = 4  # supersampling per axis
_g = (np.arange(SIZE * _SS, dtype=np.float32) + 0.5) / _SS
_GX, _GY = np.meshgrid(_g, _g)  # [128,128], x along columns


def render(shapes, cx, cy, r, fg, bg):
    """Vectorised anti-aliased rendering. shapes: int array [B] (index in SHAPES); cx, cy, r:
    float arrays [B]; fg, bg: [B,3] floats in [0,1]. Returns [B,3,32,32] float32 in [0,1]."""
    cx, cy, r = (np.asarray(a, np.float32)[:, None, None] for a in (cx, cy, r))
    dx, dy = _GX[None] - cx, _GY[None] - cy
    circle = dx * dx + dy * dy <= r * r
    a = r * 0.86
    square = (np.abs(dx) <= a) & (np.abs(dy) <= a)
    top, height = -r * 1.05, r * 1.95  # upward triangle, apex on top
    fy = (dy - top) / height
    tri = (fy >= 0) & (fy <= 1) & (np.abs(dx) <= fy * r * 1.1)
    sh = np.asarray(shapes)[:, None, None]
    mask = np.where(sh == 0, circle, np.where(sh == 1, square, tri)).astype(np.float32)
    b = mask.shape[0]
    cov = mask.reshape(b, SIZE, _SS, SIZE, _SS).mean(axis=(2, 4))[:, None]
    fg = np.asarray(fg, np.float32)[:, :, None, None]
    bg = np.asarray(bg, np.float32)[:, :, None, None]
    return (bg * (1 - cov) + fg * cov).astype(np.float32)


def _rgb(names):
    return np.array([PALETTE[n] for n in names], np.float32) / 255.0


def image_batch(rng, n, combos=None, jitter=1.5):
    """Random images from `combos` (default: training combos). Returns (imgs [n,3,32,32],
    captions, combos)."""
    combos = combos or IMAGE_TRAIN
    pick = [combos[rng.randrange(len(combos))] for _ in range(n)]
    cx = np.array([POS_XY[p][0] + rng.uniform(-jitter, jitter) for _, _, p, _ in pick])
    cy = np.array([POS_XY[p][1] + rng.uniform(-jitter, jitter) for _, _, p, _ in pick])
    r = np.array([rng.uniform(5.0, 6.5) for _ in pick])
    imgs = render([SHAPES.index(s) for _, s, _, _ in pick], cx, cy, r,
                  _rgb([c for c, _, _, _ in pick]), _rgb([b for _, _, _, b in pick]))
    return imgs, [image_caption(*k) for k in pick], pick


def random_shapes_batch(rng, n):
    """Images with any colours/shapes at continuous positions (autoencoder training)."""
    cols = [rng.sample(COLORS, 2) for _ in range(n)]
    cx = np.array([rng.uniform(4, 28) for _ in range(n)])
    cy = np.array([rng.uniform(4, 28) for _ in range(n)])
    r = np.array([rng.uniform(4.5, 7.0) for _ in range(n)])
    return render([rng.randrange(3) for _ in range(n)], cx, cy, r,
                  _rgb([c[0] for c in cols]), _rgb([c[1] for c in cols]))


FRAMES = 8
TRAVEL = 14.0  # pixels moved from first to last frame


def video_batch(rng, n, combos=None, jitter=None):
    """Random videos [n,3,F,32,32] from `combos` (default: training combos). The caption does
    not say where the shape travels: by default anywhere (start and cross-axis position drawn
    over the frame); with `jitter` (px) the path is centred, start and cross-axis position within
    +-jitter of it, as image positions are jittered around their grid point."""
    combos = combos or VIDEO_TRAIN
    pick = [combos[rng.randrange(len(combos))] for _ in range(n)]
    out = np.zeros((n, 3, FRAMES, SIZE, SIZE), np.float32)
    shapes = [SHAPES.index(s) for _, s, _, _ in pick]
    fg, bg = _rgb([c for c, _, _, _ in pick]), _rgb([b for _, _, _, b in pick])
    r = np.array([rng.uniform(5.0, 6.0) for _ in pick])
    if jitter is None:
        start = np.array([rng.uniform(6.5, 25.5 - TRAVEL) for _ in pick])
        other = np.array([rng.uniform(7.0, 25.0) for _ in pick])
    else:
        start = np.array([(SIZE - TRAVEL) / 2 + rng.uniform(-jitter, jitter) for _ in pick])
        other = np.array([SIZE / 2 + rng.uniform(-jitter, jitter) for _ in pick])
    sign = np.array([1.0 if d in ("right", "down") else -1.0 for _, _, d, _ in pick])
    horiz = np.array([d in ("left", "right") for _, _, d, _ in pick])
    for f in range(FRAMES):
        along = np.where(sign > 0, start + TRAVEL * f / (FRAMES - 1),
                         32.0 - start - TRAVEL * f / (FRAMES - 1))
        cx = np.where(horiz, along, other)
        cy = np.where(horiz, other, along)
        out[:, :, f] = render(shapes, cx, cy, r, fg, bg)
    return out, [video_caption(*k) for k in pick], pick


def frame_batch(rng, bs):
    """What the autoencoder learns from: half random shapes anywhere, a quarter captioned images,
    the rest frames of one video (the DiTs' latents come from both kinds)."""
    a = random_shapes_batch(rng, bs // 2)
    b, _, _ = image_batch(rng, bs // 4)
    v, _, _ = video_batch(rng, 1)
    v = v[0].transpose(1, 0, 2, 3)[: bs - bs // 2 - bs // 4]
    return np.concatenate([a, b, v])
