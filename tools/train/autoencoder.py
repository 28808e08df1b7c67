"""The frame autoencoder (32x32x3 <-> 4x8x8 latents) both DiTs work in, and the video decoder
that applies it frame by frame."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.c2(F.silu(self.c1(F.silu(x))))


class ImageDecoder(nn.Module):
    """[B,C,h,w] latent -> [B,3,h*2^k,w*2^k] in [0,1]. Latents are stored pre-scaled: the decoder
    divides by `scale` first so the DiT sees unit-variance latents."""

    def __init__(self, latent_ch=4, ch=64, ups=2, scale=1.0):
        super().__init__()
        self.arch = {"type": "image", "latent_ch": latent_ch, "ch": ch, "ups": ups}
        self.register_buffer("scale", torch.tensor(float(scale)))
        layers = [nn.Conv2d(latent_ch, ch, 3, padding=1), ResBlock(ch)]
        c = ch
        for i in range(ups):
            c2 = max(ch // (2 ** (i + 1)), 16)
            layers += [nn.SiLU(), nn.ConvTranspose2d(c, c2, 2, stride=2), ResBlock(c2)]
            c = c2
        layers += [nn.SiLU(), nn.Conv2d(c, 3, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, latent):
        return torch.sigmoid(self.net(latent / self.scale))


class ImageEncoder(nn.Module):
    def __init__(self, latent_ch=4, ch=64, downs=2):
        super().__init__()
        c = max(ch // (2 ** downs), 16)
        layers = [nn.Conv2d(3, c, 3, padding=1), ResBlock(c)]
        for i in range(downs):
            c2 = max(ch // (2 ** (downs - i - 1)), 16)
            layers += [nn.SiLU(), nn.Conv2d(c, c2, 2, stride=2), ResBlock(c2)]
            c = c2
        layers += [nn.SiLU(), nn.Conv2d(c, latent_ch, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, img):
        return self.net(img * 2 - 1)


class VideoDecoder(nn.Module):
    """Per-frame image decoder: [B,C,F,h,w] -> [B,3,F,H,W]."""

    def __init__(self, image_decoder):
        super().__init__()
        self.arch = dict(image_decoder.arch, type="video")
        self.dec = image_decoder

    def forward(self, latent):
        b, c, f, h, w = latent.shape
        x = latent.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)
        y = self.dec(x)
        return y.reshape(b, f, 3, y.shape[-2], y.shape[-1]).permute(0, 2, 1, 3, 4)
