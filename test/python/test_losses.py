"""gazecam_torch.losses against per-image loops in float64 numpy, written from DESIGN.md section 1
and src/engine/train/losses.ts (the engine itself is compared in loss_oracle.test.ts)."""
import unittest

import numpy as np
import torch

from gazecam_torch.cams import cam_maps, refine_cams
from gazecam_torch.losses import GAZE_LOSSES, cam_gaze_loss, gaze_head_loss, kl_to_gaze, masked_mean


def naive_kl(logits, gaze):
    """KL(q || softmax(logits)) of one flattened map, q = gaze / sum(gaze)."""
    q = gaze / max(gaze.sum(), 1e-12)
    log_p = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
    return float(sum(qi * (np.log(qi) - lp) for qi, lp in zip(q, log_p) if qi > 0))


def naive_cam_loss(cam, gaze, mask, labels, loss, classes):
    size = gaze.shape[2:]
    maps = refine_cams(torch.from_numpy(cam), size)[1].double().numpy() if loss != "kl" else (
        torch.nn.functional.interpolate(torch.from_numpy(cam), size, mode="bilinear", align_corners=True).double().numpy())
    total, n = 0.0, 0
    for b in range(cam.shape[0]):
        if not mask[b]:
            continue
        ks = [labels[b]] if classes == "true" else range(cam.shape[1])
        per = []
        for k in ks:
            p, t = maps[b, k].ravel(), gaze[b, 0].ravel().astype(np.float64)
            if loss == "kl":
                per.append(naive_kl(p, t))
            elif loss == "mse":
                per.append(np.mean((p - t) ** 2))
            elif loss == "l1":
                per.append(np.mean(np.abs(p - t)))
            else:
                # The clip bounds as float32 has them (1 - 1e-7 rounds to 1 - 2**-23), as both trainers compute.
                pc = np.clip(p, np.float32(1e-7), np.float32(1 - 1e-7))
                per.append(np.mean(-(t * np.log(pc) + (1 - t) * np.log(1 - pc))))
        total += np.mean(per)
        n += 1
    return total / max(n, 1)


class LossesTest(unittest.TestCase):
    def setUp(self):
        gen = torch.Generator().manual_seed(3)
        self.cam = torch.randn(4, 3, 4, 4, generator=gen)
        self.gaze = torch.rand(4, 1, 16, 16, generator=gen)
        self.gaze[1] = 0  # an image without gaze
        self.mask = torch.tensor([1.0, 0.0, 1.0, 1.0])
        self.labels = torch.tensor([2, 0, 1, 2])

    def test_every_cam_loss_matches_a_per_image_loop(self):
        for loss in GAZE_LOSSES:
            for classes in ("true", "all"):
                ours = float(cam_gaze_loss(self.cam, self.gaze, self.mask, self.labels, loss, classes))
                ref = naive_cam_loss(self.cam.numpy(), self.gaze.numpy(), self.mask.numpy(), self.labels.numpy(), loss, classes)
                self.assertAlmostEqual(ours, ref, delta=1e-5 * max(1, abs(ref)), msg="%s/%s" % (loss, classes))

    def test_images_without_gaze_contribute_nothing(self):
        for loss in GAZE_LOSSES:
            cam = self.cam.clone().requires_grad_(True)
            value = cam_gaze_loss(cam, self.gaze, self.mask, self.labels, loss)
            (grad,) = torch.autograd.grad(value, cam)
            self.assertEqual(float(grad[1].abs().max()), 0.0, loss)
            self.assertEqual(float(cam_gaze_loss(self.cam, self.gaze, torch.zeros(4), self.labels, loss)), 0.0)

    def test_kl_is_zero_when_the_prediction_is_the_gaze(self):
        gaze = torch.rand(2, 1, 8, 8) + 0.1
        self.assertLess(float(kl_to_gaze(torch.log(gaze), gaze).abs().max()), 1e-6)

    def test_the_cam_loss_never_reaches_the_classifier_weight(self):
        fmap = torch.randn(2, 5, 4, 4, requires_grad=True)
        fc = torch.randn(3, 5, requires_grad=True)
        value = cam_gaze_loss(cam_maps(fmap, fc), self.gaze[:2], torch.ones(2), self.labels[:2], "kl")
        grad_fmap, grad_fc = torch.autograd.grad(value, [fmap, fc], allow_unused=True)
        self.assertIsNone(grad_fc)
        self.assertGreater(float(grad_fmap.abs().max()), 0)

    def test_head_losses(self):
        logits = torch.randn(4, 1, 4, 4)
        up = torch.nn.functional.interpolate(logits, (16, 16), mode="bilinear", align_corners=True)
        mse = ((torch.sigmoid(up) - self.gaze) ** 2).mean((1, 2, 3))
        self.assertAlmostEqual(float(gaze_head_loss(logits, self.gaze, self.mask, "mse")), float(masked_mean(mse, self.mask)), places=6)
        kl = [naive_kl(up[b, 0].double().numpy().ravel(), self.gaze[b, 0].double().numpy().ravel()) for b in (0, 2, 3)]
        self.assertAlmostEqual(float(gaze_head_loss(logits, self.gaze, self.mask, "kl")), sum(kl) / 3, delta=1e-5)


if __name__ == "__main__":
    unittest.main()
