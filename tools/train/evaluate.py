"""Python port of the app's prompt-adherence evaluator (src/bench/eval/: background.ts,
segment.ts, shape-features.ts, frame.ts, motion.ts, adherence.ts) for monitoring training. It
mirrors those rules; the TypeScript one is the reference for the numbers the app reports.
Each attribute the caption names (background, colour, shape, position | motion) scores 0 or 1;
a sample scores their mean."""
from collections import deque

import numpy as np

from .data import PALETTE

_NAMES = list(PALETTE)
_RGB = np.array([PALETTE[n] for n in _NAMES], np.float64)
GRID = [7.5 / 32, 16 / 32, 24.5 / 32]
MIN_AREA, MAX_AREA, MIN_COV, MAX_RES, SEED = 0.01, 0.4, 0.5, 0.35, 48
PROTOS = [("circle", (0.8, 0.9, 0.0, 0.4)), ("square", (1.0, 0.66, 0.0, 1.0)),
          ("triangle", (0.53, 0.45, 0.155, 0.4))]
WEIGHTS = (1.0, 1.0, 3.0, 0.5)
MAX_DIST = 0.4
MIN_TRAVEL = 0.15
_ROW = {0: "top", 1: None, 2: "bottom"}
_COL = {0: "left", 1: None, 2: "right"}


def _to_u8(img):
    """[3,H,W] float in [0,1] -> [H,W,3] float of uint8 values (the app sees 8-bit pixels)."""
    return np.floor(np.clip(np.asarray(img, np.float64), 0, 1).transpose(1, 2, 0) * 255 + 0.5)


def _nearest(rgb, exclude=None):
    d = ((_RGB - np.asarray(rgb)[None]) ** 2).sum(1)
    if exclude is not None:
        d[_NAMES.index(exclude)] = np.inf
    return _NAMES[int(np.argmin(d))]


def _background(px):
    h, w, _ = px.shape
    ring = np.concatenate([px[0], px[-1], px[1:-1, 0], px[1:-1, -1]])
    k = ((ring[:, None, :] - _RGB[None]) ** 2).sum(2).argmin(1)
    votes = np.bincount(k, minlength=len(_NAMES))
    win = int(votes.argmax())
    share = votes[win] / len(ring)
    return (_NAMES[win] if share >= 0.5 else None), ring[k == win].mean(0)


def _line_mask(px, bg, fg):
    d = np.asarray(fg) - bg
    dd = (d * d).sum()
    if dd == 0:
        return np.zeros(px.shape[:2], bool)
    v = px - bg
    dot = (v * d).sum(2)
    t = dot / dd
    res2 = (v * v).sum(2) - t * dot
    return (t >= MIN_COV) & (res2 <= MAX_RES ** 2 * dd)


def _largest(mask):
    h, w = mask.shape
    seen = np.zeros_like(mask)
    best = None
    n = h * w
    for sy, sx in zip(*np.nonzero(mask)):
        if seen[sy, sx]:
            continue
        comp = []
        q = deque([(sy, sx)])
        seen[sy, sx] = True
        while q:
            y, x = q.popleft()
            comp.append((y, x))
            for yy in (y - 1, y, y + 1):
                for xx in (x - 1, x, x + 1):
                    if 0 <= yy < h and 0 <= xx < w and mask[yy, xx] and not seen[yy, xx]:
                        seen[yy, xx] = True
                        q.append((yy, xx))
        a = len(comp)
        if a / n < MIN_AREA or a / n > MAX_AREA or (best is not None and a <= len(best)):
            continue
        best = comp
    if best is None:
        return None
    ys = np.array([p[0] for p in best])
    xs = np.array([p[1] for p in best])
    return {"ys": ys, "xs": xs, "area": len(best), "x0": xs.min(), "x1": xs.max(),
            "y0": ys.min(), "y1": ys.max(), "cx": (xs + 0.5).mean(), "cy": (ys + 0.5).mean()}


def _core_color(px, c, bg):
    cols = px[c["ys"], c["xs"]]
    ds = ((cols - bg) ** 2).sum(1)
    cut = np.sort(ds)[int(len(ds) * 0.75)]
    return cols[ds >= cut].mean(0)


def _segment(px, bg, named):
    seed_mask, seed = None, None
    if named is not None and ((named - bg) ** 2).sum() >= SEED ** 2:
        seed_mask = _line_mask(px, bg, named)
        seed = _largest(seed_mask)
    if seed is None:
        seed_mask = ((px - bg) ** 2).sum(2) >= SEED ** 2
        seed = _largest(seed_mask)
    if seed is None:
        return None
    fg = _core_color(px, seed, bg)
    mask = _line_mask(px, bg, fg)
    comp = _largest(mask)
    return (comp, fg, mask) if comp is not None else (seed, fg, seed_mask)


def _features(c, mask):
    w, h = c["x1"] - c["x0"] + 1, c["y1"] - c["y0"] + 1
    r = np.sqrt((((c["xs"] + 0.5 - c["cx"]) ** 2 + (c["ys"] + 0.5 - c["cy"]) ** 2)).max()) + 0.5
    bw, bh = max(1, int(np.floor(w / 4 + 0.5))), max(1, int(np.floor(h / 4 + 0.5)))
    on = tot = 0
    for x0, y0 in [(c["x0"], c["y0"]), (c["x1"] - bw + 1, c["y0"]), (c["x0"], c["y1"] - bh + 1),
                   (c["x1"] - bw + 1, c["y1"] - bh + 1)]:
        blk = mask[y0:y0 + bh, x0:x0 + bw]
        on += blk.sum()
        tot += bw * bh
    return (c["area"] / (w * h), c["area"] / (np.pi * r * r), (c["cy"] - (c["y0"] + h / 2)) / h,
            on / tot)


def _classify(f):
    best, bd = None, MAX_DIST
    for name, p in PROTOS:
        d = np.sqrt(sum((wt * (a - b)) ** 2 for wt, a, b in zip(WEIGHTS, f, p)))
        if d < bd:
            best, bd = name, d
    return best


def _cell(v):
    return int(np.argmin([abs(v - g) for g in GRID]))


def read_frame(img, named=None):
    """img [3,H,W] in [0,1]; named: the caption's colour name (steers segmentation)."""
    px = _to_u8(img)
    h, w, _ = px.shape
    bgname, bg = _background(px)
    out = {"bg": bgname, "color": None, "shape": None, "position": None, "centroid": None}
    if bgname is None:
        return out
    steer = np.array(PALETTE[named], np.float64) if named and named != bgname else None
    seg = _segment(px, bg, steer)
    if seg is None:
        return out
    c, fg, mask = seg
    cx = (c["x0"] + c["x1"] + 1) / 2 / w
    cy = (c["y0"] + c["y1"] + 1) / 2 / h
    row, col = _ROW[_cell(cy)], _COL[_cell(cx)]
    pos = f"{row} {col}" if row and col else (row or col or "center")
    out.update(color=_nearest(fg, bgname), shape=_classify(_features(c, mask)), position=pos,
               centroid=(c["cx"] / w, c["cy"] / h))
    return out


def _mode(vals):
    counts, best = {}, vals[0]
    for v in vals:
        counts[v] = counts.get(v, 0) + 1
        if counts[v] > counts.get(best, 0):
            best = v
    return best


def motion_direction(track):
    pts = [(t, p[0], p[1]) for t, p in enumerate(track) if p is not None]
    if len(pts) < 2:
        return None
    a = np.array(pts)
    t = a[:, 0] - a[:, 0].mean()
    stt = (t * t).sum()
    dx = (t * (a[:, 1] - a[:, 1].mean())).sum() / stt * (len(track) - 1)
    dy = (t * (a[:, 2] - a[:, 2].mean())).sum() / stt * (len(track) - 1)
    if max(abs(dx), abs(dy)) < MIN_TRAVEL:
        return None
    if abs(dx) >= abs(dy):
        return "right" if dx > 0 else "left"
    return "down" if dy > 0 else "up"


def score_image(img, combo):
    c, s, p, b = combo
    r = read_frame(img, c)
    parts = {"bg": r["bg"] == b, "color": r["color"] == c, "shape": r["shape"] == s,
             "position": r["position"] == p}
    return float(np.mean(list(parts.values()))), parts


def score_video(vid, combo):
    """vid [3,F,H,W]."""
    c, s, d, b = combo
    rs = [read_frame(vid[:, f], c) for f in range(vid.shape[1])]
    parts = {"bg": _mode([r["bg"] for r in rs]) == b, "color": _mode([r["color"] for r in rs]) == c,
             "shape": _mode([r["shape"] for r in rs]) == s,
             "direction": motion_direction([r["centroid"] for r in rs]) == d}
    return float(np.mean(list(parts.values()))), parts


def summarise(results):
    """results: list of (score, parts) -> dict of means."""
    out = {"overall": float(np.mean([r[0] for r in results]))}
    for k in results[0][1]:
        out[k] = float(np.mean([float(r[1][k]) for r in results]))
    return out
