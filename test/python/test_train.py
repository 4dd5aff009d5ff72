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


class InitTest(unittest.TestCase):
    """--init reads a studio export (.zip), a run folder, .safetensors or a torchvision .pth."""

    def setUp(self):
        import json as _json
        import os
        import tempfile
        import zipfile

        from gazecam_torch.safetensors import serialize_safetensors, state_dict_arrays

        self.dir = tempfile.mkdtemp()
        torch.manual_seed(0)
        self.model = build_backbone("resnet10-tiny", 2)
        weights = serialize_safetensors(state_dict_arrays(self.model.state_dict()))
        run = _json.dumps({"classNames": ["effusion", "normal"]})
        self.zip = os.path.join(self.dir, "export.zip")
        with zipfile.ZipFile(self.zip, "w") as z:
            z.writestr("model.safetensors", weights)
            z.writestr("run.json", run)
        self.folder = os.path.join(self.dir, "run")
        os.makedirs(self.folder)
        with open(os.path.join(self.folder, "model.safetensors"), "wb") as f:
            f.write(weights)
        with open(os.path.join(self.folder, "run.json"), "w") as f:
            f.write(run)
        self.pth = os.path.join(self.dir, "weights.pth")
        torch.save({"state_dict": self.model.state_dict(), "epoch": 3}, self.pth)

    def tearDown(self):
        import shutil

        shutil.rmtree(self.dir)

    def test_every_source_gives_the_weights_and_what_it_knows_of_the_classes(self):
        from gazecam_torch.train import read_init

        for path, classes in ((self.zip, ["effusion", "normal"]), (self.folder, ["effusion", "normal"]), (self.pth, None)):
            state, head, names = read_init(path)
            self.assertEqual(names, classes, path)
            self.assertIsNone(head)
            self.assertEqual(set(state), set(self.model.state_dict()), path)
            self.assertTrue(torch.equal(state["conv1.weight"], self.model.state_dict()["conv1.weight"]), path)

    def test_other_classes_are_refused_unless_a_fresh_fc_is_asked_for(self):
        from gazecam_torch.train import apply_init

        target = build_backbone("resnet10-tiny", 3)
        with self.assertRaisesRegex(UsageError, r"--init .*export\.zip: trained on classes \["):
            apply_init(self.zip, target, None, ["a", "b", "c"], False, lambda _: None)
        apply_init(self.zip, target, None, ["a", "b", "c"], True, lambda _: None)
        self.assertTrue(torch.equal(target.state_dict()["conv1.weight"], self.model.state_dict()["conv1.weight"]))
        self.assertEqual(tuple(target.fc.weight.shape), (3, 64))
        # A torchvision file does not name its classes: a different fc is simply re-initialised; an old
        # one without num_batches_tracked loads as PyTorch loads it.
        old = {k: v for k, v in self.model.state_dict().items() if not k.endswith("num_batches_tracked")}
        torch.save(old, self.pth)
        apply_init(self.pth, build_backbone("resnet10-tiny", 3), None, ["a", "b", "c"], False, lambda _: None)
        with self.assertRaisesRegex(UsageError, r"--init .*: does not fit"):
            apply_init(self.pth, build_backbone("resnet18-small", 2), None, ["a", "b"], False, lambda _: None)
