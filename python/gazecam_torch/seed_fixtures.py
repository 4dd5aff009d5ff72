"""Parity fixtures for the engine's CAM kernels, made by running the seed's PyTorch code:
cams.refine_cams is the seed's function verbatim, and the CAM is its
F.conv2d(fmap, weight.detach().unsqueeze(2).unsqueeze(3)). Everything is stored in PyTorch's NCHW
layout; the TypeScript tests convert to NHWC explicitly.

    PYTHONPATH=python /usr/bin/python3 -m gazecam_torch.seed_fixtures --out test/fixtures/seed_cams.json
(`npm run fixtures`). Float32 arrays as base64 little-endian.
"""
import argparse
import base64
import json
import os
import sys

import torch
import torch.nn.functional as F

from .cams import cam_maps, refine_cams


def f32(t):
    a = t.detach().cpu().numpy().astype("<f4")
    return {"shape": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode()}


def make_case(name, gen, B, C, h, w, K, H, W, fmap_fn=None):
    fmap = torch.randn(B, C, h, w, generator=gen)
    if fmap_fn is not None:
        fmap = fmap_fn(fmap)
    fmap.requires_grad_(True)
    weight = (torch.randn(K, C, generator=gen) * 0.5).requires_grad_(True)

    cam = cam_maps(fmap, weight)
    cams, sigmoid_cams = refine_cams(cam, (H, W))
    g_sig = torch.randn(sigmoid_cams.shape, generator=gen)
    g_cams = torch.randn(cams.shape, generator=gen)

    (grad_sig_only,) = torch.autograd.grad((sigmoid_cams * g_sig).sum(), fmap, retain_graph=True)
    loss = (sigmoid_cams * g_sig).sum() + (cams * g_cams).sum()
    grad_both = torch.autograd.grad(loss, [fmap, weight], allow_unused=True)
    # The detach: no gradient may reach the classifier weight through the CAM.
    assert grad_both[1] is None, "seed detaches fc.weight: its gradient must be None"
    return {
        "name": name,
        "size": [H, W],
        "fmap_nchw": f32(fmap),
        "fc_weight_kc": f32(weight),
        "cam_nchw": f32(cam),
        "cams_nchw": f32(cams),
        "sigmoid_cams_nchw": f32(sigmoid_cams),
        "upstream_sigmoid_nchw": f32(g_sig),
        "upstream_cams_nchw": f32(g_cams),
        "grad_fmap_sigmoid_only_nchw": f32(grad_sig_only),
        "grad_fmap_both_nchw": f32(grad_both[0]),
    }


def zero_first_image(fmap):
    fmap = fmap.clone()
    fmap[0] = 0.0  # cam exactly 0 everywhere, also after upsampling: range exactly 0
    return fmap


def spatially_constant_second_image(fmap):
    fmap = fmap.clone()
    fmap[1] = fmap[1, :, :1, :1].expand_as(fmap[1])  # same vector everywhere: constant cam
    return fmap


def fixtures():
    torch.manual_seed(0)
    # The seed breaks ties (constant maps) by the index torch.min/max return; check it is the first.
    tie = torch.zeros(1, 6)
    assert int(tie.min(dim=1)[1]) == 0 and int(tie.max(dim=1)[1]) == 0, "tie-break is not first index"

    gen = torch.Generator().manual_seed(1234)
    cases = [
        make_case("random_upsample", gen, B=2, C=8, h=4, w=4, K=3, H=16, W=16),
        make_case("nonsquare_upsample", gen, B=1, C=5, h=3, w=5, K=2, H=7, W=12),
        make_case("no_upsample_constant", gen, B=2, C=6, h=6, w=6, K=2, H=6, W=6, fmap_fn=spatially_constant_second_image),
        make_case("zero_map_upsample", gen, B=2, C=4, h=3, w=3, K=2, H=8, W=8, fmap_fn=zero_first_image),
        make_case("negative_values", gen, B=2, C=4, h=2, w=3, K=3, H=5, W=9, fmap_fn=lambda f: -f.abs() - 0.5),
        make_case("single_class_b3", gen, B=3, C=7, h=5, w=4, K=1, H=10, W=10),
        make_case("downsample", gen, B=1, C=3, h=8, w=8, K=2, H=5, W=5),
        make_case("resnet_like", gen, B=2, C=32, h=7, w=7, K=3, H=32, W=32, fmap_fn=lambda f: F.relu(f)),
    ]
    return {
        "generator": "python -m gazecam_torch.seed_fixtures",
        "torch": torch.__version__,
        "layout": "NCHW, float32 little-endian base64; fc weight is [K, C] as in nn.Linear",
        "cases": cases,
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gazecam_torch.seed_fixtures", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="where to write the JSON (the repo keeps it in test/fixtures/seed_cams.json)")
    a = p.parse_args(argv)
    out = fixtures()
    with open(a.out, "w") as fh:
        json.dump(out, fh)
    print("wrote %s (%d bytes, %d cases)" % (a.out, os.path.getsize(a.out), len(out["cases"])), file=sys.stderr)


if __name__ == "__main__":
    main()
