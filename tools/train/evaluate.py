"""A quick Python evaluator for monitoring training (the app's evaluator is the TypeScript one):
colour masks against the palette, centroid -> position, fill ratio -> shape, centroid motion ->
direction. Each prompt attribute scores 1 if recovered; an image scores the mean of its
attributes (background, colour, shape, position); a video the mean of background, colour, shape
and direction."""
import numpy as np

from data import PALETTE
from models import SHAPES

_NAMES = list(PALETTE)
_RGB = np.array([PALETTE[n] for n in _NAMES], np.float32) / 255.0


def nearest_color(rgb):
    return _NAMES[int(np.argmin(((_RGB - rgb[None]) ** 2).sum(1)))]


def analyse(img):
    """img [3,H,W] in [0,1] -> dict(bg, color, shape, cx, cy, area)."""
    h, w = img.shape[1:]
    px = img.reshape(3, -1).T
    border = np.concatenate([img[:, 0, :], img[:, -1, :], img[:, :, 0], img[:, :, -1]], axis=1).T
    bg_rgb = np.median(border, axis=0)
    bg = nearest_color(bg_rgb)
    dist_bg = np.sqrt(((px - _RGB[_NAMES.index(bg)]) ** 2).sum(1))
    mask = (dist_bg > 0.25).reshape(h, w)
    area = int(mask.sum())
    if area < 4:
        return {"bg": bg, "color": None, "shape": None, "cx": None, "cy": None, "area": area}
    color = nearest_color(np.median(px[mask.reshape(-1)], axis=0))
    ys, xs = np.nonzero(mask)
    cx, cy = xs.mean() + 0.5, ys.mean() + 0.5
    bw, bh = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    fill = area / float(bw * bh)
    # triangle: fill ~0.5 and mass below the bbox centre; circle ~0.75; square ~1
    if fill > 0.88:
        shape = "square"
    elif fill > 0.64:
        shape = "circle"
    else:
        shape = "triangle"
    return {"bg": bg, "color": color, "shape": shape, "cx": cx, "cy": cy, "area": area}


def position_of(cx, cy, size=32):
    col = "left" if cx < size * 0.375 else "right" if cx > size * 0.625 else None
    row = "top" if cy < size * 0.375 else "bottom" if cy > size * 0.625 else None
    if row and col:
        return f"{row} {col}"
    return row or col or "center"


def score_image(img, combo):
    c, s, p, b = combo
    a = analyse(np.asarray(img))
    pos = position_of(a["cx"], a["cy"]) if a["cx"] is not None else None
    parts = {"bg": a["bg"] == b, "color": a["color"] == c, "shape": a["shape"] == s,
             "position": pos == p}
    return float(np.mean(list(parts.values()))), parts


def score_video(vid, combo):
    """vid [3,F,H,W]."""
    c, s, d, b = combo
    frames = [analyse(np.asarray(vid[:, f])) for f in range(vid.shape[1])]
    bg = np.mean([fr["bg"] == b for fr in frames])
    color = np.mean([fr["color"] == c for fr in frames])
    shape = np.mean([fr["shape"] == s for fr in frames])
    a0, a1 = frames[0], frames[-1]
    direction = None
    if a0["cx"] is not None and a1["cx"] is not None:
        dx, dy = a1["cx"] - a0["cx"], a1["cy"] - a0["cy"]
        if max(abs(dx), abs(dy)) > 3:
            direction = ("right" if dx > 0 else "left") if abs(dx) > abs(dy) else (
                "down" if dy > 0 else "up")
    parts = {"bg": float(bg), "color": float(color), "shape": float(shape),
             "direction": float(direction == d)}
    return float(np.mean(list(parts.values()))), parts


def summarise(results):
    """results: list of (score, parts) -> dict of means."""
    out = {"overall": float(np.mean([r[0] for r in results]))}
    for k in results[0][1]:
        out[k] = float(np.mean([float(r[1][k]) for r in results]))
    return out


assert SHAPES == ["circle", "square", "triangle"]
