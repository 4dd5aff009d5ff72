"""Training-time augmentation as the engine does it (src/engine/train/augment.ts for the draw,
src/engine/kernels/augment/reference.ts for the pixels), so a seed gives the engine's augmented
batches: per sample an affine map (zoom, rotation, shift, optional flip) applied alike to the image
and its gaze map, bilinear with zeros outside; then on the image only gamma, contrast about the
image's mean, brightness, and Gaussian noise from a counter hash. Draws are a pure function of
(seed, epoch, step); under torchrun each process augments its slice of the global batch with the
global batch's draw (noise indexed by the sample's place in the global batch).
"""
import math

import numpy as np

from .data import hash_string, mulberry32

AUGMENT_PARAMS = 10
A0, A1, A2, B0, B1, B2, GAMMA, CONTRAST, BRIGHTNESS, PIVOT = range(AUGMENT_PARAMS)
PRESETS = {
    "none": {"augScaleMin": 1, "augScaleMax": 1, "augTranslate": 0, "augRotateDeg": 0, "augFlip": False,
             "augBrightness": 0, "augContrast": 0, "augGamma": 0, "augNoise": 0},
    "light": {"augScaleMin": 0.95, "augScaleMax": 1.1, "augTranslate": 0.04, "augRotateDeg": 5, "augFlip": False,
              "augBrightness": 0.05, "augContrast": 0.1, "augGamma": 0.1, "augNoise": 0.01},
    "standard": {"augScaleMin": 0.9, "augScaleMax": 1.25, "augTranslate": 0.08, "augRotateDeg": 10, "augFlip": False,
                 "augBrightness": 0.1, "augContrast": 0.2, "augGamma": 0.2, "augNoise": 0.02},
}
_M32 = 0xFFFFFFFF


def uses_augmentation(c):
    return any(c[k] != v for k, v in PRESETS["none"].items())


def draw_augmentation(c, epoch, step, count):
    """The draw for the `count` samples of a global batch: (params float32 [count, 10], noise std,
    noise seed), or None without augmentation. The Pivot column is filled per image by the batch."""
    if not uses_augmentation(c):
        return None
    rand = mulberry32(hash_string("augment:%d:%d:%d" % (c["seed"], epoch, step)))

    def uniform(lo, hi):
        return lo + (hi - lo) * rand()

    params = np.zeros((count, AUGMENT_PARAMS), dtype=np.float32)
    centre = (c["size"] - 1) / 2
    for b in range(count):
        zoom = math.exp(uniform(math.log(c["augScaleMin"]), math.log(c["augScaleMax"])))
        angle = uniform(-c["augRotateDeg"], c["augRotateDeg"]) * math.pi / 180
        flip = -1 if c["augFlip"] and rand() < 0.5 else 1
        shift_x = uniform(-c["augTranslate"], c["augTranslate"]) * c["size"]
        shift_y = uniform(-c["augTranslate"], c["augTranslate"]) * c["size"]
        # Output pixel -> input pixel: undo the shift, the rotation and the zoom about the centre.
        cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
        m00, m01, m10, m11 = cos * flip, sin, -sin * flip, cos
        params[b, A0], params[b, A1] = m00, m01
        params[b, A2] = centre - m00 * (centre + shift_x) - m01 * (centre + shift_y)
        params[b, B0], params[b, B1] = m10, m11
        params[b, B2] = centre - m10 * (centre + shift_x) - m11 * (centre + shift_y)
        params[b, GAMMA] = math.exp(uniform(-c["augGamma"], c["augGamma"]))
        params[b, CONTRAST] = 1 + uniform(-c["augContrast"], c["augContrast"])
        params[b, BRIGHTNESS] = uniform(-c["augBrightness"], c["augBrightness"])
        params[b, PIVOT] = 0.5
    return params, c["augNoise"], int(rand() * 4294967296) & _M32


def hash32(x):
    """The engine's PCG-style hash on uint32 arrays."""
    x = x.astype(np.uint64) & _M32
    h = (x * 747796405 + 2891336453) & _M32
    w = ((((h >> ((h >> 28) + 4)) ^ h) & _M32) * 277803737) & _M32
    return ((w >> 22) ^ w) & _M32


def hashed_normal(seed, index):
    """A standard normal per element index (int64 array), the engine's hashedNormal."""
    index = index.astype(np.uint64)
    u1 = ((hash32((seed ^ (2 * index)) & _M32) + 1) / 4294967296).astype(np.float32).astype(np.float64)
    u2 = (hash32((seed ^ (2 * index + 1)) & _M32) / 4294967296).astype(np.float32).astype(np.float64)
    return np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)


def _bilinear(src, x, y):
    """src [S,S]; x, y [S,S] input coordinates; zeros outside the image."""
    size = src.shape[0]
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)

    def at(yy, xx):
        inside = (xx >= 0) & (xx < size) & (yy >= 0) & (yy < size)
        return np.where(inside, src[np.clip(yy, 0, size - 1), np.clip(xx, 0, size - 1)], 0.0)

    return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1))


def augment(images, gaze, draw, positions):
    """images, gaze: float64 [n, S, S] in [0,1]; draw from draw_augmentation with each image's Pivot
    already set; positions: each image's place in the global batch. -> float32 (images, gaze)."""
    params, noise_std, noise_seed = draw
    n, size = images.shape[0], images.shape[1]
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    out_images = np.empty(images.shape, dtype=np.float32)
    out_gaze = np.empty(gaze.shape, dtype=np.float32)
    for i in range(n):
        p = params[positions[i]].astype(np.float64)
        in_x = p[A0] * xs + p[A1] * ys + p[A2]
        in_y = p[B0] * xs + p[B1] * ys + p[B2]
        out_gaze[i] = np.clip(_bilinear(gaze[i], in_x, in_y), 0, 1)
        v = np.power(np.maximum(np.clip(_bilinear(images[i], in_x, in_y), 0, 1), 1e-20), p[GAMMA])
        v = (v - p[PIVOT]) * p[CONTRAST] + p[PIVOT] + p[BRIGHTNESS]
        if noise_std > 0:
            index = positions[i] * size * size + np.arange(size * size, dtype=np.int64).reshape(size, size)
            v = v + noise_std * hashed_normal(noise_seed, index)
        out_images[i] = np.clip(v, 0, 1)
    return out_images, out_gaze
