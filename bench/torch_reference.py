#!/usr/bin/python3
"""The seed's PyTorch method, timed on the same models, sizes and batch as `gazecam bench training`.

A full step: forward, CE + lambda * KL(gaze || softmax(true-class CAM upsampled)), backward, Adam;
CAM = F.conv2d(fmap, fc.weight.detach()[:, :, None, None]) as in the seed. Synthetic data of the
right shapes. Median of --runs steps after --warmup. Prints one JSON line:
{"device": ..., "threads": N, "training": [{arch, size, batch, imagesPerSec, stepMs, firstStepMs}]}

  /usr/bin/python3 bench/torch_reference.py [--cases resnet10-small:64:16,...] [--runs 5] [--warmup 2] [--device cpu|cuda]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import torch_gazecam_models as g  # noqa: E402

DEFAULT_CASES = "resnet10-small:64:16,resnet10-small:128:16,resnet18:224:16"


def cam_stride_for(size):
    # Same rule as the engine's effectiveCamStride: largest stride giving a CAM of at least 8x8.
    for stride in (32, 16):
        if size / stride >= 8:
            return stride
    return 8


def bench_case(arch, size, batch, runs, warmup, device):
    torch.manual_seed(0)
    k = 3
    model = g.build_backbone(arch, k, cam_stride_for(size)).to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    x = torch.randn(batch, 3, size, size, device=device)
    gaze = torch.rand(batch, 1, size, size, device=device)
    y = torch.arange(batch, device=device) % k

    def step():
        opt.zero_grad(set_to_none=True)
        logits, fmap, _ = g.forward(model, x)
        cam = F.conv2d(fmap, model.fc.weight.detach().unsqueeze(2).unsqueeze(3))
        cam_up = F.interpolate(cam, (size, size), mode="bilinear", align_corners=True)
        true_cam = cam_up[torch.arange(batch), y].flatten(1)
        q = gaze.flatten(1)
        q = q / q.sum(1, keepdim=True)
        kl = (q * (torch.log(q.clamp_min(1e-30)) - F.log_softmax(true_cam, 1))).sum(1).mean()
        loss = F.cross_entropy(logits, y) + kl
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()

    t0 = time.perf_counter()
    step()
    first = (time.perf_counter() - t0) * 1000
    for _ in range(max(0, warmup - 1)):
        step()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step()
        samples.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(samples)
    return {"arch": arch, "size": size, "batch": batch, "stepMs": ms, "imagesPerSec": batch * 1000 / ms, "firstStepMs": first}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cases", default=DEFAULT_CASES)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = p.parse_args()
    results = []
    for case in a.cases.split(","):
        arch, size, batch = case.split(":")
        results.append(bench_case(arch, int(size), int(batch), a.runs, a.warmup, a.device))
    name = torch.cuda.get_device_name(0) if a.device == "cuda" else "cpu"
    print(json.dumps({"device": name, "threads": torch.get_num_threads(), "torch": torch.__version__, "training": results}))


if __name__ == "__main__":
    main()
