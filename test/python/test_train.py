"""gazecam_torch.train's pieces: config validation, the schedule, the split of a global batch over
processes, and the loss normalisation that makes N processes' gradients one process's."""
import math
import unittest

import torch

from gazecam_torch.models import GazeCamNet, build_backbone, build_gaze_head
from gazecam_torch.train import UsageError, global_batches, learning_rate_at, local_losses, rank_bounds, resolve_config


class TrainPiecesTest(unittest.TestCase):
    def test_config_errors_name_the_field(self):
        with self.assertRaisesRegex(UsageError, r"config\.batch = 0"):
            resolve_config({"batch": 0})
        with self.assertRaisesRegex(UsageError, r"config\.loss = \"huber\""):
            resolve_config({"loss": "huber"})
        self.assertEqual(resolve_config({})["loss"], "kl")

    def test_schedules(self):
        c = resolve_config({"lr": 0.1, "epochs": 2})
        self.assertAlmostEqual(learning_rate_at(c, 0, 5), 0.1)
        self.assertAlmostEqual(learning_rate_at(c, 5, 5), 0.05)
        self.assertAlmostEqual(learning_rate_at(c, 10, 5), 0.0)
        s = resolve_config({"lr": 0.1, "epochs": 30, "schedule": "step"})
        self.assertAlmostEqual(learning_rate_at(s, 10 * 5, 5), 0.01)

    def test_rank_slices_cover_each_global_batch_once(self):
        for batch, world in ((8, 2), (5, 2), (7, 3), (4, 4)):
            bounds = rank_bounds(batch, world)
            self.assertEqual(bounds[0], 0)
            self.assertEqual(bounds[-1], batch)
            self.assertTrue(all(b - a >= 1 for a, b in zip(bounds, bounds[1:])))
        batches = global_batches(0, 0, 11, 4)
        self.assertEqual(len(batches), 2)  # the last partial batch is dropped, as the engine does
        self.assertEqual(len(set(batches[0] + batches[1])), 8)

    def test_local_losses_of_the_slices_sum_to_the_global_batch_mean(self):
        torch.manual_seed(0)
        backbone = build_backbone("resnet10-tiny", 3, 8).eval()  # eval: slices see the same BN
        for method in ("cam", "both"):
            head = build_gaze_head(64) if method == "both" else None
            net = GazeCamNet(backbone, head).eval()
            c = resolve_config({"arch": "resnet10-tiny", "size": 32, "method": method, "lambda": 0.7})
            gen = torch.Generator().manual_seed(1)
            batch = {
                "image": torch.rand(5, 1, 32, 32, generator=gen), "gaze": torch.rand(5, 1, 32, 32, generator=gen),
                "label": torch.tensor([0, 2, 1, 1, 0]), "has_gaze": torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0]),
            }
            whole, whole_parts = local_losses(net, backbone, batch, c, 5, 3)
            bounds = rank_bounds(5, 2)
            parts = sum(local_losses(net, backbone, {k: v[a:b] for k, v in batch.items()}, c, 5, 3)[1] for a, b in zip(bounds, bounds[1:]))
            for i in range(4):
                self.assertAlmostEqual(float(parts[i]), float(whole_parts[i]), places=5, msg=(method, i))
            self.assertTrue(math.isfinite(float(whole)))
            self.assertGreater(float(whole_parts[2]), 0)


if __name__ == "__main__":
    unittest.main()
