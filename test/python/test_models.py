"""gazecam_torch.models and .safetensors: torchvision keys, CAM strides, the safetensors format."""
import os
import tempfile
import unittest

import numpy as np
import torch
import torchvision

from gazecam_torch import models as g
from gazecam_torch.safetensors import SafetensorsError, parse_safetensors, read_safetensors, serialize_safetensors, write_safetensors


class ModelsTest(unittest.TestCase):
    def test_narrow_variants_keep_torchvision_names(self):
        tv = set(torchvision.models.resnet18(num_classes=3).state_dict())
        for arch in ("resnet18-small",):
            self.assertEqual(set(g.build_backbone(arch, 3).state_dict()), tv)
        tv10 = {k for k in tv if not k.startswith(("layer1.1", "layer2.1", "layer3.1", "layer4.1"))}
        for arch in ("resnet10-small", "resnet10-tiny"):
            self.assertEqual(set(g.build_backbone(arch, 3).state_dict()), tv10)

    def test_cam_stride_sets_the_feature_map_size_and_keeps_the_state_dict(self):
        x = torch.zeros(1, 3, 64, 64)
        for arch, strides in (("resnet10-tiny", g.CAM_STRIDES), ("resnet50", (32, 8))):
            shapes = {}
            for stride in strides:
                model = g.build_backbone(arch, 2, stride).eval()
                with torch.no_grad():
                    _, fmap, _ = g.forward(model, x)
                self.assertEqual(tuple(fmap.shape[2:]), (64 // stride, 64 // stride), (arch, stride))
                self.assertEqual(fmap.shape[1], g.model_feature_channels(arch))
                shapes[stride] = {k: tuple(v.shape) for k, v in model.state_dict().items()}
            self.assertEqual(shapes[8], shapes[32])

    def test_bad_arch_and_stride_are_named(self):
        with self.assertRaisesRegex(ValueError, "resnet7"):
            g.build_backbone("resnet7", 2)
        with self.assertRaisesRegex(ValueError, "cam_stride"):
            g.build_backbone("resnet10-tiny", 2, 4)

    def test_effective_cam_stride_is_the_engines_rule(self):
        # config.ts effectiveCamStride: the largest stride giving a CAM of at least 8x8.
        self.assertEqual(g.effective_cam_stride(0, 256), 32)
        self.assertEqual(g.effective_cam_stride(0, 224), 16)
        self.assertEqual(g.effective_cam_stride(0, 128), 16)
        self.assertEqual(g.effective_cam_stride(0, 64), 8)
        self.assertEqual(g.effective_cam_stride(32, 64), 32)
        self.assertEqual(g.stage_strides(8), [1, 2, 1, 1])

    def test_gaze_head_output(self):
        head = g.build_gaze_head(64)
        self.assertEqual(list(head.state_dict()), ["0.weight", "0.bias", "2.weight", "2.bias"])
        self.assertEqual(tuple(head(torch.zeros(2, 64, 4, 4)).shape), (2, 1, 4, 4))


class SafetensorsTest(unittest.TestCase):
    def test_round_trip_of_every_dtype_and_a_scalar(self):
        arrays = {
            "f32": np.arange(6, dtype=np.float32).reshape(2, 3), "f64": np.array([1.5]), "f16": np.ones(3, np.float16),
            "i64": np.array(7, dtype=np.int64), "u16": np.array([0, 65535], np.uint16), "u8": np.arange(4, dtype=np.uint8),
        }
        back, meta = parse_safetensors(serialize_safetensors(arrays, {"k": 1}))
        self.assertEqual(meta, {"k": "1"})
        for k, v in arrays.items():
            self.assertEqual(back[k].dtype, v.dtype, k)
            self.assertEqual(back[k].shape, v.shape, k)
            np.testing.assert_array_equal(back[k], v)

    def test_truncated_file_is_named(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "w.safetensors")
            write_safetensors(path, {"a": np.zeros(100, np.float32)})
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 10)
            with self.assertRaisesRegex(SafetensorsError, "w.safetensors.*truncated"):
                read_safetensors(path)


if __name__ == "__main__":
    unittest.main()
