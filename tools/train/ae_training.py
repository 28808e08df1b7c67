"""What train_ae.py and train_decoder.py share: the learning-rate schedule and the
reconstruction loss that weights the shape's pixels."""
import numpy as np


def warmup_cosine_lr(base, step, steps, floor, warmup=100):
    """Linear warm-up over `warmup` steps, then cosine from base down to floor * base."""
    return base * min(1.0, step / warmup) * (floor + (1 - floor) * 0.5 * (1 + np.cos(np.pi * step / steps)))


def weighted_reconstruction(y, x, shape_weight):
    """L2 + L1/2 with the shape's pixels (those far from the image's median, the background
    colour) weighted 1 + shape_weight: they are few, and what the evaluator reads."""
    bgc = x.flatten(2).median(-1).values[:, :, None, None]
    w = 1 + shape_weight * ((x - bgc).abs().sum(1, keepdim=True) > 0.1).float()
    return (w * (y - x) ** 2).mean() + 0.5 * (w * (y - x).abs()).mean()
