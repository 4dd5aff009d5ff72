#!/usr/bin/python3
"""Calibrates the demo's shortcut mode with the seed's method in PyTorch (fast on CPU), before the
slower runs through GazeCAM's own engine: baseline vs CAM loss (kl or the seed's mse) on a dataset
written by `gazecam demo --shortcut`. Uses the preprocessed tensors from `gazecam predict --npy`-like
inputs: here it decodes the PNGs itself with PIL and renders gaze from the fixation CSVs.

  /usr/bin/python3 scripts/torch_shortcut_pilot.py <demo-dir> [--epochs 10] [--seeds 0,1,2] [--arch resnet18]
Prints one JSON line per run and a summary.
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_gazecam_models as g  # noqa: E402
from make_seed_fixtures import refine_cams  # noqa: E402

CLASSES = ["nodule", "normal", "opacity"]  # the engine's class order (sorted folder names)


def load(root, size, sigma):
    rows = list(csv.DictReader(open(os.path.join(root, "split.csv"))))
    xs, gs, ys, splits, conflict = [], [], [], [], []
    yy, xx = np.mgrid[0:size, 0:size]
    for r in rows:
        path = os.path.join(root, r["image"])
        im = np.asarray(Image.open(path).convert("L").resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0
        label = r["image"].split("/")[1]
        gaze_csv = os.path.join(root, r["image"].replace("images/", "gaze/").rsplit(".", 1)[0] + ".csv")
        w0 = Image.open(path).size[0]
        heat = np.zeros((size, size), np.float32)
        for f in csv.DictReader(open(gaze_csv)):
            fx, fy = float(f["x"]) * size / w0, float(f["y"]) * size / w0
            d = float(f.get("duration") or 1)
            s = sigma * size / w0
            heat += d * np.exp(-((xx - fx) ** 2 + (yy - fy) ** 2) / (2 * s * s))
        heat = (heat - heat.min()) / max(heat.max() - heat.min(), 1e-12)
        xs.append(im)
        gs.append(heat)
        ys.append(CLASSES.index(label))
        splits.append(r["split"])
        conflict.append(r.get("conflict") == "1")
    mean = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
    std = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
    x = (np.repeat(np.stack(xs)[:, None], 3, 1) - mean) / std
    return torch.tensor(x), torch.tensor(np.stack(gs))[:, None], torch.tensor(ys), np.array(splits), np.array(conflict)


def run(data, method, loss_kind, seed, epochs, arch, lam, batch=16, lr=3e-3):
    x, gz, y, splits, conflict = data
    torch.manual_seed(seed)
    tr = np.where(splits == "train")[0]
    te = np.where(splits == "test")[0]
    size = x.shape[2]
    model = g.build_backbone(arch, 3, 8)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = len(tr) // batch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        model.train()
        order = rng.permutation(tr)
        for s in range(steps):
            idx = torch.tensor(order[s * batch:(s + 1) * batch])
            logits, fmap, _ = g.forward(model, x[idx])
            loss = F.cross_entropy(logits, y[idx])
            if method == "cam":
                cam = F.conv2d(fmap, model.fc.weight.detach().unsqueeze(2).unsqueeze(3))
                b = torch.arange(len(idx))
                if loss_kind == "mse":
                    _, sig = refine_cams(cam, (size, size))
                    loss = loss + lam * F.mse_loss(sig[b, y[idx]], gz[idx][:, 0])
                else:
                    up = F.interpolate(cam, (size, size), mode="bilinear", align_corners=True)[b, y[idx]].flatten(1)
                    q = gz[idx].flatten(1)
                    q = q / q.sum(1, keepdim=True)
                    loss = loss + lam * (q * (torch.log(q.clamp_min(1e-30)) - F.log_softmax(up, 1))).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    with torch.no_grad():
        logits, fmap, _ = g.forward(model, x[te])
        pred = logits.argmax(1).numpy()
    yt = y[te].numpy()
    c = conflict[te]
    return {"method": method, "loss": loss_kind, "seed": seed, "acc": float((pred == yt).mean()),
            "conflictAcc": float((pred[c] == yt[c]).mean()) if c.any() else None}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("demo")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seeds", default="0")
    p.add_argument("--arch", default="resnet10-small")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--sigma", type=float, default=6.0)
    p.add_argument("--lam", type=float, default=1.0)
    p.add_argument("--runs", default="none,cam:kl,cam:mse")
    a = p.parse_args()
    torch.set_num_threads(2)
    data = load(a.demo, a.size, a.sigma)
    for seed in [int(s) for s in a.seeds.split(",")]:
        for r in a.runs.split(","):
            method, _, loss_kind = r.partition(":")
            print(json.dumps(run(data, method, loss_kind or "kl", seed, a.epochs, a.arch, a.lam)), flush=True)


if __name__ == "__main__":
    main()
