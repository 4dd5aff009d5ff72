"""python -m gazecam_torch.bench --arch A --size N --batch N --steps N --device cpu|cuda [--tf32] --json

Times the trainer's own training step (train.local_losses: forward, CE + lambda * KL to the gaze,
backward, Adam) on synthetic data of the right shapes, with the engine's defaults (method cam,
loss kl, CAM stride by the engine's rule). Median of --steps steps after --warmup. With --json,
one JSON line: {device, torch, threads, tf32, arch, size, batch, steps, stepMs, imagesPerSec,
firstStepMs}. `npm run bench:compare` runs it next to `gazecam bench training`.
"""
import argparse
import json
import statistics
import time

import torch

from .models import ARCHITECTURES, GazeCamNet, build_backbone, effective_cam_stride
from .train import DEFAULT_CONFIG, local_losses, resolve_config

NUM_CLASSES = 3


def bench(arch, size, batch, steps, warmup, device, tf32=False):
    if device == "cuda":
        # Off by default: fp32 as the engine computes; --tf32 measures what Ampere+ tensor cores give.
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    c = resolve_config({"arch": arch, "size": size, "batch": batch})
    backbone = build_backbone(arch, NUM_CLASSES, effective_cam_stride(c["camStride"], size)).to(device).train()
    net = GazeCamNet(backbone)
    opt = torch.optim.Adam(net.parameters(), lr=c["lr"], weight_decay=c["weightDecay"])
    gen = torch.Generator().manual_seed(1)
    data = {
        "image": torch.rand(batch, 1, size, size, generator=gen).to(device),
        "gaze": torch.rand(batch, 1, size, size, generator=gen).to(device),
        "label": (torch.arange(batch) % NUM_CLASSES).to(device),
        "has_gaze": torch.ones(batch).to(device),
    }

    def step():
        total, _ = local_losses(net, backbone, data, c, batch, batch)
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()

    t0 = time.perf_counter()
    step()
    first_ms = (time.perf_counter() - t0) * 1000
    for _ in range(max(0, warmup - 1)):
        step()
    samples = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        samples.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(samples)
    return {
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "tf32": bool(tf32 and device == "cuda"),
        "arch": arch, "size": size, "batch": batch, "steps": steps, "warmup": warmup,
        "method": c["method"], "loss": c["loss"],
        "stepMs": ms, "imagesPerSec": batch * 1000 / ms, "firstStepMs": first_ms,
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gazecam_torch.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", default="resnet18", choices=list(ARCHITECTURES))
    p.add_argument("--size", type=int, default=DEFAULT_CONFIG["size"])
    p.add_argument("--batch", type=int, default=DEFAULT_CONFIG["batch"])
    p.add_argument("--steps", type=int, default=5, help="timed steps (the median is reported)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (the first one is reported as firstStepMs)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--tf32", action="store_true", help="allow TF32 in matmuls and convolutions (CUDA)")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    a = p.parse_args(argv)
    if a.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: this PyTorch has no CUDA device")
    r = bench(a.arch, a.size, a.batch, a.steps, a.warmup, a.device, a.tf32)
    if a.json:
        print(json.dumps(r))
    else:
        print("%s %d px batch %d on %s (torch %s, %d threads%s): %.1f ms/step, %.1f img/s (first step %.0f ms)" % (
            r["arch"], r["size"], r["batch"], r["device"], r["torch"], r["threads"], ", tf32" if r["tf32"] else "",
            r["stepMs"], r["imagesPerSec"], r["firstStepMs"]))


if __name__ == "__main__":
    main()
