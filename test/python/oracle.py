"""The PyTorch oracle of the TypeScript tests (test/model/torch_oracle.ts and the test/python/*.test.ts
files run it with Debian's /usr/bin/python3 and PYTHONPATH=python). Everything it computes comes
from the gazecam_torch package; this file only reads inputs and writes what the tests compare.

  make-parity  --arch A --classes K --size S --batch B --cam-stride 32|16|8 [--gaze-hidden H]
               --seed N --out DIR [--float64-reference]
      The model built in PyTorch (torchvision for resnet18/34/50) with a fixed seed and perturbed
      BN statistics: DIR/model.safetensors (+ gaze_head.safetensors), inputs.safetensors (x NCHW,
      labels), expected.safetensors: eval logits/fmap/gaze, then ONE training-mode forward+backward
      of  loss = CE(logits, y) + 0.5 mean(fmap^2) [+ mean(gaze^2)]: train logits, loss, every
      parameter's gradient ("grad.<name>", PyTorch layout), the updated running stats
      ("after.<bn>.running_mean" ...), and with --float64-reference the same pass in float64
      ("ref64.<key>"), to measure PyTorch's own float32 error.
  check-export --arch A --classes K --cam-stride S --model F [--gaze-head F --gaze-hidden H]
               --inputs F --out F
      Our export loaded with load_state_dict(strict=True); eval-mode logits/fmap/gaze of inputs' x.
  state-dict --arch A [--classes K] [--seed N] [--half] --out F
      A freshly initialised torchvision state_dict (1000 classes by default), as fine-tuning starts.
  keys --arch A [--classes K]
      The state_dict as JSON [[name, shape, dtype], ...] in PyTorch's order.
  interop-check <run> <predictions>
      <run> loaded with gazecam_torch.run_format.load_run (strict), run on <predictions>/inputs.npy;
      its logits and refine_cams output against logits.npy and cams.npy of `gazecam predict --npy`.
  interop-make <run> <out_run> <seed>
      PyTorch-initialised weights (random BN statistics too) as <out_run>/model.safetensors with
      <run>'s run.json, for `gazecam predict`.
  losses --inputs F --out F
      Every loss of gazecam_torch.losses on the inputs (cam [B,K,h,w], gaze [B,1,H,W], mask [B],
      labels [B], gaze_logits [B,1,h,w]): "cam.<loss>.<classes>.value|grad" (grad w.r.t. the cam)
      and "head.<loss>.value|grad" (w.r.t. the gaze logits), NCHW.
Prints one JSON line.
"""
import argparse
import copy
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from gazecam_torch import models as g
from gazecam_torch.cams import cam_maps, refine_cams
from gazecam_torch.losses import GAZE_LOSSES, MULTITASK_LOSSES, cam_gaze_loss, gaze_head_loss
from gazecam_torch.run_format import load_run
from gazecam_torch.safetensors import read_safetensors, read_state_dict, strip_prefix, write_safetensors, write_state_dict


def perturb_batchnorm(model, gen):
    """Non-trivial BN state so eval-mode parity actually tests the running statistics."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                m.bias.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(7)


def make_parity(a):
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed + 1)
    model = g.build_backbone(a.arch, a.classes, a.cam_stride)
    perturb_batchnorm(model, gen)
    head = g.build_gaze_head(g.model_feature_channels(a.arch), a.gaze_hidden) if a.gaze_hidden else None
    os.makedirs(a.out, exist_ok=True)
    meta = {"arch": a.arch, "cam_stride": a.cam_stride, "seed": a.seed}
    write_state_dict(os.path.join(a.out, "model.safetensors"), model.state_dict(), meta)
    if head is not None:
        write_state_dict(os.path.join(a.out, "gaze_head.safetensors"), head.state_dict(), meta, prefix="gaze_head.")

    x = torch.randn(a.batch, 3, a.size, a.size, generator=gen)
    labels = torch.randint(0, a.classes, (a.batch,), generator=gen)
    write_safetensors(os.path.join(a.out, "inputs.safetensors"), {"x": x.numpy(), "labels": labels.numpy()})

    expected = {}
    model.eval()
    with torch.no_grad():
        logits, fmap, gaze = g.forward(model, x, head)
    expected["eval.logits"], expected["eval.fmap"] = logits.numpy(), fmap.numpy()
    if gaze is not None:
        expected["eval.gaze"] = gaze.numpy()

    # The float64 twin starts from the same (pre-training) state: the training forward moves the stats.
    twin = (copy.deepcopy(model).double(), copy.deepcopy(head).double() if head is not None else None) if a.float64_reference else None

    def train_pass(model, head, x):
        model.train()
        logits, fmap, gaze = g.forward(model, x, head)
        loss = F.cross_entropy(logits, labels) + 0.5 * fmap.pow(2).mean()
        if gaze is not None:
            loss = loss + gaze.pow(2).mean()
        loss.backward()
        return logits, fmap, gaze, loss

    logits, fmap, gaze, loss = train_pass(model, head, x)
    expected["train.logits"], expected["train.fmap"] = logits.detach().numpy(), fmap.detach().numpy()
    expected["train.loss"] = loss.detach().reshape(1).numpy()
    params = list(model.named_parameters()) + ([("gaze_head." + n, p) for n, p in head.named_parameters()] if head else [])
    for name, p in params:
        expected["grad." + name] = p.grad.numpy()
    for name, buf in model.named_buffers():
        expected["after." + name] = buf.numpy()
    if twin is not None:
        # PyTorch's own float32 error is measured against this (deep nets with small batch-norm
        # batches are ill-conditioned: float32 PyTorch and float64 PyTorch disagree past 1e-4).
        m64, h64 = twin
        l64, f64, _, loss64 = train_pass(m64, h64, x.double())
        expected["ref64.train.logits"], expected["ref64.train.fmap"] = l64.detach().numpy(), f64.detach().numpy()
        expected["ref64.train.loss"] = loss64.detach().reshape(1).numpy()
        params64 = list(m64.named_parameters()) + ([("gaze_head." + n, p) for n, p in h64.named_parameters()] if h64 else [])
        for name, p in params64:
            expected["ref64.grad." + name] = p.grad.numpy()
        for name, buf in m64.named_buffers():
            if buf.is_floating_point():
                expected["ref64.after." + name] = buf.numpy()
    write_safetensors(os.path.join(a.out, "expected.safetensors"), expected)
    print(json.dumps({"loss": float(loss), "params": len(params)}))


def check_export(a):
    model = g.build_backbone(a.arch, a.classes, a.cam_stride)
    state = read_state_dict(a.model)
    model.load_state_dict(state, strict=True)  # raises with PyTorch's own message on any mismatch
    head = None
    if a.gaze_head:
        head = g.build_gaze_head(g.model_feature_channels(a.arch), a.gaze_hidden)
        head.load_state_dict(strip_prefix(read_state_dict(a.gaze_head), "gaze_head."), strict=True)
    arrays, _ = read_safetensors(a.inputs)
    x = torch.from_numpy(arrays["x"])
    model.eval()
    with torch.no_grad():
        logits, fmap, gaze = g.forward(model, x, head)
    out = {"logits": logits.numpy(), "fmap": fmap.numpy()}
    if gaze is not None:
        out["gaze"] = gaze.numpy()
    write_safetensors(a.out, out)
    print(json.dumps({"strict": True, "keys": len(state)}))


def keys(a):
    model = g.build_backbone(a.arch, a.classes)
    out = [[k, list(v.shape), "I64" if v.dtype == torch.int64 else "F32"] for k, v in model.state_dict().items()]
    print(json.dumps(out))


def state_dict(a):
    torch.manual_seed(a.seed)
    model = g.build_backbone(a.arch, a.classes)
    sd = model.state_dict()
    if a.half:
        sd = {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}
    write_state_dict(a.out, sd, {"arch": a.arch})
    print(json.dumps({"keys": len(sd)}))


def rel(ours, ref):
    """max |ours - ref| / max |ref|: the error relative to the array's scale."""
    return float(np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-12))


def interop_check(a):
    manifest, model, _ = load_run(a.run)
    x = torch.from_numpy(np.load(os.path.join(a.predictions, "inputs.npy")))
    with torch.no_grad():
        logits, fmap, _ = g.forward(model, x)
        cams, _ = refine_cams(cam_maps(fmap, model.fc.weight), (x.shape[2], x.shape[3]))
    ours_logits = np.load(os.path.join(a.predictions, "logits.npy"))
    ours_cams = np.load(os.path.join(a.predictions, "cams.npy"))
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


def interop_make(a):
    with open(os.path.join(a.run, "run.json")) as f:
        manifest = json.load(f)
    m = manifest["model"]
    torch.manual_seed(a.seed)
    model = g.build_backbone(m["arch"], m["numClasses"], m["camStride"])
    # Non-trivial BN statistics, so eval mode really uses running stats from the file.
    for mod in model.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.1, 0.1)
            mod.num_batches_tracked.fill_(7)
    os.makedirs(a.out_run, exist_ok=True)
    write_state_dict(os.path.join(a.out_run, "model.safetensors"), model.state_dict())
    manifest["files"] = {"weights": "model.safetensors", "tfjs": "tfjs/model.json"}
    with open(os.path.join(a.out_run, "run.json"), "w") as f:
        json.dump(manifest, f)
    print(json.dumps({"wrote": a.out_run, "tensors": len(model.state_dict())}))


def losses(a):
    arrays, _ = read_safetensors(a.inputs)
    t = {k: torch.from_numpy(v) for k, v in arrays.items()}
    labels = t["labels"].long()
    out = {}
    for loss in GAZE_LOSSES:
        for classes in ("true", "all"):
            cam = t["cam"].clone().requires_grad_(True)
            value = cam_gaze_loss(cam, t["gaze"], t["mask"], labels, loss, classes)
            (grad,) = torch.autograd.grad(value, cam)
            out["cam.%s.%s.value" % (loss, classes)] = value.detach().reshape(1).numpy()
            out["cam.%s.%s.grad" % (loss, classes)] = grad.numpy()
    for loss in MULTITASK_LOSSES:
        logits = t["gaze_logits"].clone().requires_grad_(True)
        value = gaze_head_loss(logits, t["gaze"], t["mask"], loss)
        (grad,) = torch.autograd.grad(value, logits)
        out["head.%s.value" % loss] = value.detach().reshape(1).numpy()
        out["head.%s.grad" % loss] = grad.numpy()
    write_safetensors(a.out, out)
    print(json.dumps({"outputs": len(out)}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    mp = sub.add_parser("make-parity")
    mp.add_argument("--arch", required=True, choices=sorted(g.ARCHITECTURES))
    mp.add_argument("--classes", type=int, default=3)
    mp.add_argument("--size", type=int, default=64)
    mp.add_argument("--batch", type=int, default=2)
    mp.add_argument("--cam-stride", type=int, default=32, choices=[32, 16, 8])
    mp.add_argument("--gaze-hidden", type=int, default=0)
    mp.add_argument("--seed", type=int, default=0)
    mp.add_argument("--float64-reference", action="store_true")
    mp.add_argument("--out", required=True)
    ce = sub.add_parser("check-export")
    ce.add_argument("--arch", required=True, choices=sorted(g.ARCHITECTURES))
    ce.add_argument("--classes", type=int, required=True)
    ce.add_argument("--cam-stride", type=int, default=32, choices=[32, 16, 8])
    ce.add_argument("--model", required=True)
    ce.add_argument("--gaze-head")
    ce.add_argument("--gaze-hidden", type=int, default=64)
    ce.add_argument("--inputs", required=True)
    ce.add_argument("--out", required=True)
    ks = sub.add_parser("keys")
    ks.add_argument("--arch", required=True, choices=sorted(g.ARCHITECTURES))
    ks.add_argument("--classes", type=int, default=1000)
    sd = sub.add_parser("state-dict")
    sd.add_argument("--arch", required=True, choices=sorted(g.ARCHITECTURES))
    sd.add_argument("--classes", type=int, default=1000)
    sd.add_argument("--seed", type=int, default=0)
    sd.add_argument("--half", action="store_true")
    sd.add_argument("--out", required=True)
    ic = sub.add_parser("interop-check")
    ic.add_argument("run")
    ic.add_argument("predictions")
    im = sub.add_parser("interop-make")
    im.add_argument("run")
    im.add_argument("out_run")
    im.add_argument("seed", type=int)
    ls = sub.add_parser("losses")
    ls.add_argument("--inputs", required=True)
    ls.add_argument("--out", required=True)
    a = p.parse_args()
    torch.set_num_threads(1)
    {
        "make-parity": make_parity, "check-export": check_export, "keys": keys, "state-dict": state_dict,
        "interop-check": interop_check, "interop-make": interop_make, "losses": losses,
    }[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
