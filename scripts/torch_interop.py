#!/usr/bin/python3
"""Interop with PyTorch, both ways (run by test/interop.test.ts; Debian's python3-torch).

  check <run> <predictions>   load <run>/model.safetensors into torchvision with strict=True, run it
                              on <predictions>/inputs.npy and compare its logits and the seed's
                              refine_cams output with logits.npy and cams.npy from `gazecam predict --npy`
  make <run> <out_run> <seed> write a PyTorch-initialised model (random weights and BN statistics) as
                              <out_run>/model.safetensors with <run>'s run.json, for `gazecam predict`

Prints one JSON line. Errors are norm-wise: max|ours - torch| / max|torch| per array.
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_gazecam_models as g  # noqa: E402
from make_seed_fixtures import refine_cams  # noqa: E402  (the seed's function, verbatim)


def load_run(run):
    with open(os.path.join(run, "run.json")) as f:
        manifest = json.load(f)
    m = manifest["model"]
    model = g.build_backbone(m["arch"], m["numClasses"], m["camStride"])
    # strict=True: every torchvision key present with the right shape, nothing extra.
    model.load_state_dict(g.read_state_dict(os.path.join(run, manifest["files"]["weights"])), strict=True)
    return manifest, model.eval()


def rel(ours, ref):
    return float(np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-12))


def check(run, pred):
    manifest, model = load_run(run)
    x = torch.from_numpy(np.load(os.path.join(pred, "inputs.npy")))
    with torch.no_grad():
        logits, fmap, _ = g.forward(model, x)
        cam = F.conv2d(fmap, model.fc.weight.detach().unsqueeze(2).unsqueeze(3), bias=None)
        cams, _ = refine_cams(cam, (x.shape[2], x.shape[3]))
    ours_logits = np.load(os.path.join(pred, "logits.npy"))
    ours_cams = np.load(os.path.join(pred, "cams.npy"))
    assert ours_logits.shape == tuple(logits.shape), (ours_logits.shape, logits.shape)
    assert ours_cams.shape == tuple(cams.shape), (ours_cams.shape, cams.shape)
    print(json.dumps({
        "arch": manifest["model"]["arch"],
        "camStride": manifest["model"]["camStride"],
        "images": int(x.shape[0]),
        "logitsRelError": rel(ours_logits, logits.numpy()),
        "camsRelError": rel(ours_cams, cams.numpy()),
        "argmaxAgreement": float(np.mean(ours_logits.argmax(1) == logits.numpy().argmax(1))),
    }))


def make(run, out_run, seed):
    with open(os.path.join(run, "run.json")) as f:
        manifest = json.load(f)
    m = manifest["model"]
    torch.manual_seed(seed)
    model = g.build_backbone(m["arch"], m["numClasses"], m["camStride"])
    # Non-trivial BN statistics, so eval mode really uses running stats from the file.
    for mod in model.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.1, 0.1)
            mod.num_batches_tracked.fill_(7)
    os.makedirs(out_run, exist_ok=True)
    g.write_state_dict(os.path.join(out_run, "model.safetensors"), model.state_dict())
    manifest["files"] = {"weights": "model.safetensors", "tfjs": "tfjs/model.json"}
    with open(os.path.join(out_run, "run.json"), "w") as f:
        json.dump(manifest, f)
    print(json.dumps({"wrote": out_run, "tensors": len(model.state_dict())}))


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
