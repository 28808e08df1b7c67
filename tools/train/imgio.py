"""Minimal PNG writer (zlib + struct) for sample grids."""
import struct
import zlib

import numpy as np


def write_png(path, rgb):
    """rgb: uint8 array [H,W,3]."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def save_grid(path, imgs, ncol=8, scale=2, pad=1):
    """imgs: float [N,3,H,W] in [0,1] -> a grid PNG, each image upscaled by `scale`."""
    imgs = np.clip(np.asarray(imgs), 0, 1)
    n, _, h, w = imgs.shape
    nrow = (n + ncol - 1) // ncol
    H, W = h * scale + pad, w * scale + pad
    grid = np.full((nrow * H + pad, ncol * W + pad, 3), 128, np.uint8)
    for i in range(n):
        im = (imgs[i].transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8)
        im = im.repeat(scale, 0).repeat(scale, 1)
        r, c = divmod(i, ncol)
        grid[pad + r * H: pad + r * H + h * scale, pad + c * W: pad + c * W + w * scale] = im
    write_png(path, grid)
