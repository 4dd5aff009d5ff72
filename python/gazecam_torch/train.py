"""python -m gazecam_torch.train <prepared> --out <run> [the options of gazecam train]

The engine's training (src/engine/train: config.ts, loop.ts, step.ts, optimizer.ts) in PyTorch, on
a folder written by `gazecam prepare`: the same method, losses, optimizer and schedule, the same
data order for the same seed, and a run in the engine's format (run.json, model.safetensors) that
`gazecam predict` and the studio read unchanged.

One process, or under torchrun:
    torchrun --nproc_per_node 4 -m gazecam_torch.train prepared/ --out runs/a --batch 64
Each process takes its slice of every global batch (the engine's order), batch norm uses the global
batch's statistics and the losses are normalised by the global batch's counts, so N processes
train like one. Rank 0 writes and logs. A checkpoint after every epoch; --resume continues from it,
and a restart by torchrun --max-restarts resumes from it by itself.

Read top to bottom: config, data order, step, evaluate, checkpoint, the loop, main.
"""
import argparse
import io
import json
import math
import os
import pickle
import sys
import time
import zipfile

import numpy as np
import torch
import torch.nn.functional as F

from .augment import PIVOT, PRESETS, augment, draw_augmentation
from .cams import cam_maps, refine_cams
from .data import PreparedDataError, PreparedDataset, epoch_order, to_float
from .distributed import Distributed, convert_batchnorm
from .losses import GAZE_LOSSES, MULTITASK_LOSSES, cam_gaze_per_image, gaze_head_per_image
from .metrics import json_safe, mass_in_top_gaze, pearson, split_metrics
from .models import ARCHITECTURES, CAM_STRIDES, GazeCamNet, build_backbone, build_gaze_head, effective_cam_stride, forward, model_feature_channels
from .run_format import GAZE_HEAD_PREFIX, build_run_manifest, write_atomic, write_run
from .safetensors import SafetensorsError, parse_safetensors, read_safetensors, strip_prefix

CHECKPOINT_FILE = "checkpoint.pt"
CHECKPOINT_FORMAT = "gazecam-torch-checkpoint"
LOG_FILE = "log.jsonl"

# --- config: src/engine/train/config.ts, field for field --------------------------------------------

METHODS = ("cam", "multitask", "both", "none")
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("cosine", "step", "constant")
DEFAULT_CONFIG = {
    "arch": "resnet18", "size": 224, "batch": 16, "epochs": 10, "lr": 1e-3, "optimizer": "adam",
    "momentum": 0.9, "weightDecay": 1e-4, "schedule": "cosine", "stepEvery": 10, "stepGamma": 0.1,
    "method": "cam", "lambda": 1, "loss": "kl", "multitaskLoss": "mse", "camClasses": "true",
    "camStride": 0, "seed": 0, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
    "gazeSigmaPx": 0, "logEvery": 10, "checkpointEvery": 0, "augment": "none", **PRESETS["none"],
}
FLAG_TO_FIELD = {
    "arch": "arch", "size": "size", "batch": "batch", "epochs": "epochs", "lr": "lr", "lambda": "lambda",
    "method": "method", "loss": "loss", "cam_stride": "camStride", "cam_classes": "camClasses",
    "optimizer": "optimizer", "momentum": "momentum", "weight_decay": "weightDecay", "schedule": "schedule",
    "seed": "seed", "sigma": "gazeSigmaPx", "log_every": "logEvery", "checkpoint_every": "checkpointEvery",
    "multitask_loss": "multitaskLoss", "augment": "augment", "aug_scale_min": "augScaleMin", "aug_scale_max": "augScaleMax",
    "aug_translate": "augTranslate", "aug_rotate": "augRotateDeg", "aug_flip": "augFlip", "aug_brightness": "augBrightness",
    "aug_contrast": "augContrast", "aug_gamma": "augGamma", "aug_noise": "augNoise",
}


class UsageError(Exception):
    """Bad input: printed as one line naming the file or option, exit status 2."""


class TrainingDiverged(Exception):
    """NaN or Inf in the losses or the weights: one line, exit status 1, the last checkpoint kept."""


def resolve_config(partial):
    """The defaults, the augmentation preset's knobs, then `partial` (as config.ts resolveConfig)."""
    preset = partial.get("augment", DEFAULT_CONFIG["augment"])
    if preset not in PRESETS:
        raise UsageError("config.augment = %s: %s" % (json.dumps(preset), "|".join(PRESETS)))
    c = dict(DEFAULT_CONFIG, **PRESETS[preset])
    c.update(partial)

    def check(ok, field, requirement):
        if not ok:
            raise UsageError("config.%s = %s: %s" % (field, json.dumps(c[field]), requirement))

    check(c["arch"] in ARCHITECTURES, "arch", "one of " + ", ".join(ARCHITECTURES))
    check(isinstance(c["size"], int) and 32 <= c["size"] <= 1024, "size", "an integer in [32, 1024]")
    check(isinstance(c["batch"], int) and 1 <= c["batch"] <= 4096, "batch", "an integer in [1, 4096]")
    check(isinstance(c["epochs"], int) and c["epochs"] >= 1, "epochs", "a positive integer")
    check(math.isfinite(c["lr"]) and c["lr"] > 0, "lr", "a positive number")
    check(c["optimizer"] in OPTIMIZERS, "optimizer", "|".join(OPTIMIZERS))
    check(0 <= c["momentum"] < 1, "momentum", "in [0, 1)")
    check(c["weightDecay"] >= 0, "weightDecay", ">= 0")
    check(c["schedule"] in SCHEDULES, "schedule", "|".join(SCHEDULES))
    check(c["method"] in METHODS, "method", "|".join(METHODS))
    check(math.isfinite(c["lambda"]) and c["lambda"] >= 0, "lambda", "a number >= 0")
    check(c["loss"] in GAZE_LOSSES, "loss", "|".join(GAZE_LOSSES))
    check(c["multitaskLoss"] in MULTITASK_LOSSES, "multitaskLoss", "|".join(MULTITASK_LOSSES))
    check(c["camClasses"] in ("true", "all"), "camClasses", "'true' or 'all'")
    check(c["camStride"] == 0 or c["camStride"] in CAM_STRIDES, "camStride", "0 (auto) or 32|16|8")
    check(isinstance(c["seed"], int), "seed", "an integer")
    check(isinstance(c["logEvery"], int) and c["logEvery"] >= 1, "logEvery", "a positive integer")
    check(isinstance(c["checkpointEvery"], int) and c["checkpointEvery"] >= 0, "checkpointEvery", "an integer >= 0")
    check(0 < c["augScaleMin"] <= c["augScaleMax"] <= 4, "augScaleMin", "0 < augScaleMin <= augScaleMax <= 4")
    check(0 <= c["augTranslate"] <= 0.5, "augTranslate", "in [0, 0.5]")
    check(0 <= c["augRotateDeg"] <= 180, "augRotateDeg", "in [0, 180]")
    check(isinstance(c["augFlip"], bool), "augFlip", "true or false")
    check(0 <= c["augBrightness"] <= 1, "augBrightness", "in [0, 1]")
    check(0 <= c["augContrast"] < 1, "augContrast", "in [0, 1)")
    check(0 <= c["augGamma"] <= 2, "augGamma", "in [0, 2]")
    check(0 <= c["augNoise"] <= 1, "augNoise", "in [0, 1]")
    return c


def uses_cam_loss(c):
    return c["method"] in ("cam", "both") and c["lambda"] > 0


def uses_gaze_head(c):
    return c["method"] in ("multitask", "both")


def learning_rate_at(c, step, steps_per_epoch):
    """optimizer.ts learningRateAt: per-step cosine; 'step' decays per epoch."""
    total = c["epochs"] * steps_per_epoch
    if c["schedule"] == "cosine":
        return 0.5 * c["lr"] * (1 + math.cos(math.pi * min(step, total) / total))
    if c["schedule"] == "step":
        return c["lr"] * c["stepGamma"] ** ((step // steps_per_epoch) // c["stepEvery"])
    return c["lr"]


# --- data order: the engine's global batches, each process its slice ---------------------------------


def rank_bounds(batch, world):
    """Where each rank's slice of a global batch starts and ends (the first batch % world ranks
    take one image more)."""
    return [r * (batch // world) + min(r, batch % world) for r in range(world + 1)]


def global_batches(seed, epoch, count, batch):
    order = epoch_order(seed, epoch, count)
    return [order[s * batch : (s + 1) * batch] for s in range(count // batch)]


# --- the step --------------------------------------------------------------------------------------


def network_input(image, c, device):
    """gray [B,1,S,S] in [0,1] -> [B,3,S,S] normalised with the config's mean/std (data.ts
    normaliseImages: subtract, then divide, in float32)."""
    mean = torch.tensor(c["mean"], dtype=torch.float32, device=device).view(1, 3, 1, 1)
    std = torch.tensor(c["std"], dtype=torch.float32, device=device).view(1, 3, 1, 1)
    return (image - mean) / std


def local_losses(net, backbone, batch, c, batch_size, gaze_count):
    """This process's part of the global batch's losses, each already divided by the global batch's
    count (images for CE, images with gaze for the gaze terms): summed over processes they are the
    engine's means. -> [total, ce, cam, head] (total carries the graph)."""
    x = network_input(batch["image"], c, batch["image"].device)
    logits, fmap, gaze_logits = net(x)
    labels, gaze, mask = batch["label"], batch["gaze"], batch["has_gaze"]
    ce = F.cross_entropy(logits, labels, reduction="sum") / batch_size
    zero = logits.sum() * 0
    cam = zero
    head = zero
    if uses_cam_loss(c):
        cam_raw = cam_maps(fmap, backbone.fc.weight)
        cam = (cam_gaze_per_image(cam_raw, gaze, labels, c["loss"], c["camClasses"]) * mask).sum() / max(gaze_count, 1)
    if uses_gaze_head(c) and gaze_logits is not None and c["lambda"] > 0:
        head = (gaze_head_per_image(gaze_logits, gaze, c["multitaskLoss"]) * mask).sum() / max(gaze_count, 1)
    total = ce + c["lambda"] * (cam + head)
    return total, torch.stack([total.detach(), ce.detach(), cam.detach(), head.detach()])


def to_device(arrays, device):
    image, gaze = to_float(arrays)
    return {
        "image": torch.from_numpy(image).to(device),
        "gaze": torch.from_numpy(gaze).to(device),
        "label": torch.from_numpy(arrays["label"]).to(device),
        "has_gaze": torch.from_numpy(arrays["has_gaze"].astype(np.float32)).to(device),
    }


class EpochSteps(torch.utils.data.Dataset):
    """Item k: this process's slice of the epoch's k-th global batch (from `first`), read from the
    shards and augmented, as CPU tensors. A DataLoader's workers build the next ones during a step."""

    def __init__(self, split, c, epoch, batch, bounds, rank, first):
        self.split, self.c, self.epoch, self.batch, self.first = split, c, epoch, batch, first
        self.batches = global_batches(c["seed"], epoch, split.count, batch)
        self.positions = list(range(bounds[rank], bounds[rank + 1]))

    def __len__(self):
        return len(self.batches) - self.first

    def __getitem__(self, k):
        step = self.first + k
        global_idx = self.batches[step]
        arrays = self.split.arrays([global_idx[p] for p in self.positions])
        image, gaze = to_float(arrays)
        draw = draw_augmentation(self.c, self.epoch, step, self.batch)
        if draw is not None:
            # Contrast pivots on each image's mean (before rounding to float32, as makeBatch sums it).
            means = (arrays["image"].astype(np.float64) / 65535).mean(axis=(1, 2))
            for position, mean in zip(self.positions, means):
                draw[0][position, PIVOT] = mean
            image, gaze = augment(image[:, 0].astype(np.float64), gaze[:, 0].astype(np.float64), draw, self.positions)
            image, gaze = image[:, None], gaze[:, None]
        return {
            "image": torch.from_numpy(np.ascontiguousarray(image)),
            "gaze": torch.from_numpy(np.ascontiguousarray(gaze)),
            "label": torch.from_numpy(arrays["label"]),
            "has_gaze": torch.from_numpy(arrays["has_gaze"].astype(np.float32)),
            "gaze_count": int(self.split.has_gaze[global_idx].sum()),
        }


# --- evaluation: engine/train/evaluate.ts ---------------------------------------------------------


@torch.no_grad()
def evaluate(backbone, split, c, num_classes, dist, batch_size):
    """Metrics of one split in eval mode. Each process evaluates a contiguous part; rank 0 gets the
    per-image results in split order and summarises (None elsewhere)."""
    backbone.eval()
    bounds = rank_bounds(split.count, dist.world)
    mine = range(bounds[dist.rank], bounds[dist.rank + 1])
    probs, labels, conflict, ce_sum, rs, masses = [], [], [], 0.0, [], []
    for start in range(mine.start, mine.stop, batch_size):
        idx = list(range(start, min(start + batch_size, mine.stop)))
        arrays = split.arrays(idx)
        batch = to_device(arrays, dist.device)
        logits, fmap, _ = forward(backbone, network_input(batch["image"], c, dist.device))
        known = torch.clamp(batch["label"], min=0)
        per_image_ce = -(F.log_softmax(logits, 1).gather(1, known[:, None])[:, 0])
        cams, _ = refine_cams(cam_maps(fmap, backbone.fc.weight), (c["size"], c["size"]))
        cams = cams.float().cpu().numpy()
        probs.append(F.softmax(logits, 1).float().cpu().numpy())
        labels.extend(arrays["label"].tolist())
        conflict.extend(arrays["conflict"].tolist())
        ce_sum += float(per_image_ce[batch["label"] >= 0].sum())
        for i, label in enumerate(arrays["label"].tolist()):
            if arrays["has_gaze"][i] and label >= 0:
                rs.append(pearson(cams[i, label], arrays["gaze"][i]))
                masses.append(mass_in_top_gaze(cams[i, label], arrays["gaze"][i]))
    part = (np.concatenate(probs) if probs else np.zeros((0, num_classes), np.float32), labels, conflict, ce_sum, rs, masses)
    parts = dist.gather_objects(part)
    backbone.train()
    if not dist.is_main:
        return None
    return split_metrics(
        np.concatenate([p[0] for p in parts]),
        sum((p[1] for p in parts), []),
        sum((p[2] for p in parts), []),
        sum(p[3] for p in parts),
        sum((p[4] for p in parts), []),
        sum((p[5] for p in parts), []),
    )


# --- checkpoints and --init -------------------------------------------------------------------------


def check_finite(backbone, head, where):
    """A checkpoint is what a diverged run falls back to: it must never hold the divergence."""
    for name, t in list(backbone.state_dict().items()) + list((head.state_dict() if head is not None else {}).items()):
        if t.is_floating_point() and not torch.isfinite(t).all():
            raise TrainingDiverged("the weight %s became NaN or Inf by %s: the run was stopped and the last checkpoint (if any) kept; "
                                   "try a lower learning rate or a smaller gaze loss weight" % (name, where))


def save_checkpoint(path, backbone, head, optimizer, meta):
    state = dict(meta, format=CHECKPOINT_FORMAT, version=1, model=backbone.state_dict(),
                 head=head.state_dict() if head is not None else None, optimizer=optimizer.state_dict())
    buf = io.BytesIO()
    torch.save(state, buf)
    write_atomic(path, buf.getvalue())


def read_init(path):
    """--init: a studio export (.zip), a run folder, a .safetensors file or a torchvision .pth.
    -> (backbone state, head state or None, class names or None when the file does not say)."""
    if not os.path.exists(path):
        raise UsageError("--init %s: no such file or folder" % path)
    class_names, head = None, None
    try:
        # torch.save writes zip archives too; a studio export is the zip with model.safetensors in it.
        export_zip = zipfile.is_zipfile(path) and "model.safetensors" in zipfile.ZipFile(path).namelist()
        if os.path.isdir(path) or export_zip:
            if os.path.isdir(path):
                read = lambda name: open(os.path.join(path, name), "rb").read() if os.path.exists(os.path.join(path, name)) else None  # noqa: E731
            else:
                archive = zipfile.ZipFile(path)
                names = set(archive.namelist())
                read = lambda name: archive.read(name) if name in names else None  # noqa: E731
            run = read("run.json")
            weights = read("model.safetensors")
            if weights is None:
                raise UsageError("--init %s: holds no model.safetensors (pass a studio export, a run folder or a weights file)" % path)
            if run is not None:
                class_names = json.loads(run)["classNames"]
            arrays, meta = parse_safetensors(weights, os.path.join(path, "model.safetensors"))
            head_bytes = read("gaze_head.safetensors")
            if head_bytes is not None:
                head = strip_prefix({k: torch.from_numpy(v) for k, v in parse_safetensors(head_bytes, path)[0].items()}, GAZE_HEAD_PREFIX)
        elif path.endswith(".safetensors"):
            arrays, meta = read_safetensors(path)
        else:
            # weights_only: tensors and plain containers, never code from a downloaded file.
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
            except pickle.UnpicklingError as err:
                raise UsageError("--init %s: holds more than tensors, which is not unpickled (%s); save the model's "
                                 "state_dict() alone, or convert it to .safetensors" % (path, str(err).split(".")[0]))
            for key in ("state_dict", "model"):
                if isinstance(state, dict) and isinstance(state.get(key), dict):
                    state = state[key]
            if not isinstance(state, dict):
                raise UsageError("--init %s: not a state_dict (got %s)" % (path, type(state).__name__))
            return {k: v for k, v in state.items() if torch.is_tensor(v)}, None, None
    except (SafetensorsError, ValueError, KeyError, zipfile.BadZipFile, RuntimeError, OSError) as err:
        if isinstance(err, UsageError):
            raise
        raise UsageError("--init %s: cannot be read (%s)" % (path, err))
    if class_names is None and "gazecam.run" in meta:
        class_names = json.loads(meta["gazecam.run"]).get("classNames")
    state = {k: torch.from_numpy(v) for k, v in arrays.items()}
    backbone = {k: v for k, v in state.items() if not k.startswith(GAZE_HEAD_PREFIX)}
    if head is None and any(k.startswith(GAZE_HEAD_PREFIX) for k in state):
        head = strip_prefix(state, GAZE_HEAD_PREFIX)
    return backbone, head, class_names


def apply_init(path, backbone, head, class_names, fresh_fc, log):
    state, head_state, init_classes = read_init(path)
    if init_classes is not None and init_classes != class_names and not fresh_fc:
        raise UsageError(
            "--init %s: trained on classes %s, the prepared dataset has %s; pass --fresh-fc to fine-tune from it "
            "with a new classifier" % (path, json.dumps(init_classes), json.dumps(class_names))
        )
    fc = state.get("fc.weight")
    skip_fc = fresh_fc or (init_classes is None and fc is not None and fc.shape[0] != len(class_names))
    if skip_fc:
        state = {k: v for k, v in state.items() if k not in ("fc.weight", "fc.bias")}
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    expected = backbone.state_dict()
    # Old torchvision files lack num_batches_tracked; PyTorch's loader fills it in (as 0).
    problems = ["%s missing" % k for k in expected if k not in state and not k.endswith("num_batches_tracked")
                and not (skip_fc and k in ("fc.weight", "fc.bias"))]
    problems += ["%s unexpected" % k for k in state if k not in expected]
    problems += ["%s is %s, the model's %s" % (k, list(v.shape), list(expected[k].shape))
                 for k, v in state.items() if k in expected and v.shape != expected[k].shape]
    if problems:
        raise UsageError("--init %s: does not fit the model (%d mismatches: %s%s); check --arch" % (
            path, len(problems), "; ".join(problems[:3]), "; ..." if len(problems) > 3 else ""))
    backbone.load_state_dict(state, strict=not skip_fc)
    if head is not None and head_state is not None:
        head.load_state_dict(head_state, strict=True)
    log("initialised from %s: %d tensors%s%s" % (path, len(state), "; fc re-initialised (fresh classifier)" if skip_fc else "",
                                                 "; gaze head loaded" if head is not None and head_state is not None else ""))


# --- the loop ---------------------------------------------------------------------------------------


def train(args, c, dist):
    log = (lambda text: print(text, file=sys.stderr, flush=True)) if dist.is_main else (lambda text: None)
    data = PreparedDataset(args.prepared)
    if data.size != c["size"]:
        raise UsageError("--size %d: %s was prepared at %d px; pass --size %d or prepare again" % (c["size"], args.prepared, data.size, data.size))
    sigma = data.manifest["preprocess"]["gazeSigmaPx"]
    if c["gazeSigmaPx"] != sigma:
        raise UsageError("--sigma %s: %s was prepared with sigma %s (fixations become heatmaps in prepare); prepare again with --sigma" % (c["gazeSigmaPx"], args.prepared, sigma))
    class_names = data.class_names
    train_split = data.splits["train"]
    if len(class_names) < 2:
        raise UsageError("%s: %d class(es); training needs at least 2" % (args.prepared, len(class_names)))
    if train_split.count == 0:
        raise UsageError("%s: the train split is empty; check the dataset's problems (gazecam inspect)" % args.prepared)
    batch = min(c["batch"], train_split.count)
    if dist.world > batch:
        raise UsageError(
            "--nproc_per_node: %d processes but a global batch holds %d images (--batch %d, %d in train): every process "
            "needs at least one; use at most %d processes or a larger --batch" % (dist.world, batch, c["batch"], train_split.count, batch)
        )
    steps_per_epoch = train_split.count // batch
    total_steps = steps_per_epoch * c["epochs"]
    max_steps = args.max_steps or total_steps

    out = args.out
    checkpoint_path = os.path.join(out, CHECKPOINT_FILE)
    resume = args.resume or (dist.restart_count > 0 and os.path.exists(checkpoint_path))
    if args.resume and not os.path.exists(checkpoint_path):
        raise UsageError("--resume: no checkpoint at %s; start without --resume" % checkpoint_path)
    if not resume and os.path.exists(checkpoint_path):
        raise UsageError("--out %s already holds a run (%s); pass --resume to continue it or choose another --out" % (out, CHECKPOINT_FILE))
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError("--out %s is a file; pass a folder" % out)

    # Everything above is checked by every process alone: bad input fails before any process group.
    dist.start()
    torch.manual_seed(c["seed"])
    cam_stride = effective_cam_stride(c["camStride"], c["size"])
    backbone = build_backbone(c["arch"], len(class_names), cam_stride)
    head = build_gaze_head(model_feature_channels(c["arch"])) if uses_gaze_head(c) else None
    if args.init and not resume:
        apply_init(args.init, backbone, head, class_names, args.fresh_fc, log)

    params = list(backbone.parameters()) + (list(head.parameters()) if head is not None else [])
    if c["optimizer"] == "adam":
        optimizer = torch.optim.Adam(params, lr=c["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=c["weightDecay"])
    else:
        optimizer = torch.optim.SGD(params, lr=c["lr"], momentum=c["momentum"], weight_decay=c["weightDecay"])

    history, start_epoch, start_step = [], 0, 0
    if resume:
        ckpt = torch.load(checkpoint_path, map_location="cpu") if dist.is_main else None  # our own file
        ckpt = dist.broadcast_object(ckpt)
        if ckpt.get("datasetId") != data.dataset_id:
            raise UsageError("--resume: %s was written for prepared dataset %s; %s is %s (another dataset): train it into a new --out"
                             % (checkpoint_path, ckpt.get("datasetId"), args.prepared, data.dataset_id))
        if ckpt["classNames"] != class_names or ckpt["config"]["arch"] != c["arch"]:
            raise UsageError("--resume: %s holds %s with classes %s; the options ask for %s with %s"
                             % (checkpoint_path, ckpt["config"]["arch"], ckpt["classNames"], c["arch"], class_names))
        backbone.load_state_dict(ckpt["model"])
        if head is not None:
            head.load_state_dict(ckpt["head"])
        optimizer.load_state_dict(ckpt["optimizer"])
        history, start_epoch, start_step = ckpt["history"], ckpt["epoch"], ckpt["stepInEpoch"]
        log("resuming at epoch %d, step %d of %d (from %s)" % (start_epoch + 1, start_step, steps_per_epoch, checkpoint_path))

    backbone.to(dist.device).train()
    if head is not None:
        head.to(dist.device).train()
    if optimizer.state:
        for state in optimizer.state.values():
            for k, v in state.items():
                if torch.is_tensor(v) and v.dim() > 0:
                    state[k] = v.to(dist.device)
    net = GazeCamNet(backbone, head)
    if dist.world > 1:
        net = convert_batchnorm(net, dist.bn_group, dist.device)
        backbone, head = net.backbone, net.head
        net = torch.nn.parallel.DistributedDataParallel(
            net, device_ids=[dist.device.index] if dist.device.type == "cuda" else None, broadcast_buffers=False,
            find_unused_parameters=head is not None and c["lambda"] == 0,
        )

    log("gazecam_torch: %s on %s x %d (%s), %d classes, %d train images, global batch %d (%s per process), %d steps per epoch"
        % (c["arch"], dist.device.type, dist.world, dist.backend if dist.world > 1 else "one process", len(class_names),
           train_split.count, batch, "-".join(sorted({str(b - a) for a, b in zip(rank_bounds(batch, dist.world), rank_bounds(batch, dist.world)[1:])})), steps_per_epoch))
    if dist.is_main:
        os.makedirs(out, exist_ok=True)
    log_file = open(os.path.join(out, LOG_FILE), "a") if dist.is_main else None
    bounds = rank_bounds(batch, dist.world)
    meta_base = {"config": c, "classNames": class_names, "datasetId": data.dataset_id, "worldSize": dist.world}

    def checkpoint(epoch, step):
        # Every process checks (the weights are the same everywhere), so all stop together.
        check_finite(backbone, head, "epoch %d, step %d" % (epoch + 1, step))
        if dist.is_main:
            save_checkpoint(checkpoint_path, backbone, head, optimizer,
                            dict(meta_base, epoch=epoch, stepInEpoch=step, globalStep=epoch * steps_per_epoch + step, history=history))
        dist.barrier()

    global_step = start_epoch * steps_per_epoch + start_step
    stopped = False
    for epoch in range(start_epoch, c["epochs"]):
        epoch_start = time.perf_counter()
        epoch_sums = torch.zeros(4, dtype=torch.float64)
        log_sums = torch.zeros(4, dtype=torch.float64)
        log_steps, log_start = 0, time.perf_counter()
        first = start_step if epoch == start_epoch else 0
        loader = torch.utils.data.DataLoader(
            EpochSteps(train_split, c, epoch, batch, bounds, dist.rank, first), batch_size=None, shuffle=False,
            num_workers=args.workers, pin_memory=dist.device.type == "cuda",
        )
        for step, item in zip(range(first, steps_per_epoch), loader):
            if global_step >= max_steps:
                stopped = True
                break
            lr = learning_rate_at(c, global_step, steps_per_epoch)
            for group in optimizer.param_groups:
                group["lr"] = lr
            batch_tensors = {k: v.to(dist.device, non_blocking=True) for k, v in item.items() if k != "gaze_count"}
            total, parts = local_losses(net, backbone, batch_tensors, c, batch, item["gaze_count"])
            optimizer.zero_grad(set_to_none=True)
            # DistributedDataParallel averages gradients over processes; the local losses are parts of
            # the global mean, so scale them by the world size to get the global mean's gradient.
            (total * dist.world).backward()
            optimizer.step()
            global_step += 1
            parts = parts.double().cpu()
            epoch_sums += parts
            log_sums += parts
            log_steps += 1
            last_of_epoch = step == steps_per_epoch - 1
            if log_steps == c["logEvery"] or last_of_epoch or global_step >= max_steps:
                # Sync point: the global batch's losses (sum of every process's part).
                mean = dist.all_reduce_sum(log_sums.clone()) / log_steps
                if not torch.isfinite(mean).all():
                    raise TrainingDiverged("Loss became %s at epoch %d, step %d: the run was stopped and the last checkpoint (if any) kept; try a "
                                           "lower learning rate (now %s) or a smaller gaze loss weight (now %s)"
                                           % (float(mean[0]), epoch + 1, step + 1, c["lr"], c["lambda"]))
                seconds = time.perf_counter() - log_start
                images_per_sec = log_steps * batch / seconds
                loss = dict(zip(("total", "ce", "cam", "head"), mean.tolist()))
                log("epoch %d/%d step %d/%d loss %.4f (ce %.4f cam %.4f head %.4f) lr %.3g %.1f img/s"
                    % (epoch + 1, c["epochs"], global_step, total_steps, loss["total"], loss["ce"], loss["cam"], loss["head"], lr, images_per_sec))
                if log_file:
                    log_file.write(json.dumps({"epoch": epoch, "stepInEpoch": step + 1, "globalStep": global_step, "lr": lr,
                                               "loss": loss, "imagesPerSec": images_per_sec, "steps": log_steps}) + "\n")
                    log_file.flush()
                log_sums.zero_()
                log_steps, log_start = 0, time.perf_counter()
            if c["checkpointEvery"] > 0 and global_step % c["checkpointEvery"] == 0 and not last_of_epoch:
                checkpoint(epoch, step + 1)
        if stopped:
            break
        steps_run = steps_per_epoch - first
        train_mean = (dist.all_reduce_sum(epoch_sums.clone()) / max(steps_run, 1)).tolist()
        val = evaluate(backbone, data.splits["val"], c, len(class_names), dist, c["batch"])
        record = {"epoch": epoch + 1, "train": dict(zip(("total", "ce", "cam", "head"), train_mean)), "val": val,
                  "seconds": time.perf_counter() - epoch_start}
        history = history + [json_safe(record)]
        if val is not None:
            log("epoch %d: train loss %.4f; val acc %.3f AUC %.3f CAM-gaze r %.3f%s (%.1f s)" % (
                epoch + 1, train_mean[0], val["accuracy"], val["macroAuc"], val["camGazeR"],
                " conflict acc %.3f" % val["conflictAccuracy"] if val["conflictCount"] else "", record["seconds"]))
        checkpoint(epoch + 1, 0)
    if stopped:
        checkpoint(global_step // steps_per_epoch, global_step % steps_per_epoch)
        log("stopped after --max-steps %d; the checkpoint is in %s" % (max_steps, checkpoint_path))

    test = evaluate(backbone, data.splits["test"], c, len(class_names), dist, c["batch"])
    if dist.is_main:
        report = data.manifest["report"]
        manifest = build_run_manifest(
            c, class_names, cam_stride, head is not None, history, test,
            {"format": report["format"], "images": report["images"], "splits": report["splits"], "problems": len(data.manifest["problems"])},
            trainer={"name": "gazecam_torch", "torch": torch.__version__, "device": dist.device.type, "processes": dist.world,
                     "preparedDatasetId": data.dataset_id, "steps": global_step},
        )
        written = write_run(out, backbone.cpu(), head.cpu() if head is not None else None, manifest)
        log("test: acc %.3f AUC %.3f CAM-gaze r %.3f%s" % (
            test["accuracy"], test["macroAuc"], test["camGazeR"], " conflict acc %.3f" % test["conflictAccuracy"] if test["conflictCount"] else ""))
        log("wrote " + ", ".join(written))
        if args.json:
            print(json.dumps(json_safe({"test": test, "history": history})))
        log_file.close()
    dist.barrier()


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m gazecam_torch.train", description=__doc__.split("\n\n")[0])
    p.add_argument("prepared", help="a folder written by `gazecam prepare`")
    p.add_argument("--out", required=True, help="the run folder (run.json, model.safetensors, checkpoint.pt, log.jsonl)")
    p.add_argument("--arch", choices=list(ARCHITECTURES))
    p.add_argument("--size", type=int, help="must equal the prepared size (default: the prepared size)")
    p.add_argument("--batch", type=int, help="the global batch, over all processes (default 16)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--lambda", dest="lambda_", type=float, metavar="LAMBDA")
    p.add_argument("--method", choices=METHODS)
    p.add_argument("--loss", choices=GAZE_LOSSES)
    p.add_argument("--cam-stride", type=int, choices=CAM_STRIDES)
    p.add_argument("--cam-classes", choices=("true", "all"))
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--momentum", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--schedule", choices=SCHEDULES)
    p.add_argument("--seed", type=int)
    p.add_argument("--sigma", type=float, help="must equal the prepared sigma (default: the prepared one)")
    p.add_argument("--log-every", type=int)
    p.add_argument("--checkpoint-every", type=int)
    p.add_argument("--multitask-loss", choices=MULTITASK_LOSSES)
    p.add_argument("--augment", choices=list(PRESETS), help="augmentation preset (default none); the --aug-* knobs override it")
    p.add_argument("--aug-scale-min", type=float)
    p.add_argument("--aug-scale-max", type=float)
    p.add_argument("--aug-translate", type=float)
    p.add_argument("--aug-rotate", type=float)
    p.add_argument("--aug-flip", action="store_true", default=None, help="horizontal flips (off by default: laterality)")
    p.add_argument("--aug-brightness", type=float)
    p.add_argument("--aug-contrast", type=float)
    p.add_argument("--aug-gamma", type=float)
    p.add_argument("--aug-noise", type=float)
    p.add_argument("--init", help="start from a studio export (.zip), a run folder, .safetensors or a torchvision .pth")
    p.add_argument("--fresh-fc", action="store_true", help="with --init: a new classifier instead of the file's fc")
    p.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    p.add_argument("--max-steps", type=int, help="stop after N steps (of the full schedule), then evaluate and write the run")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--workers", type=int, default=None, help="DataLoader workers per process (default: 4 on CUDA, 0 on CPU)")
    p.add_argument("--json", action="store_true", help="print the final metrics as one JSON object on stdout")
    return p.parse_args(argv)


def config_from_args(args):
    """The run's config: the options given, the prepared size and sigma, the engine's defaults."""
    partial = {}
    for flag, field in FLAG_TO_FIELD.items():
        value = getattr(args, "lambda_" if flag == "lambda" else flag)
        if value is not None:
            partial[field] = value
    if "size" not in partial or "gazeSigmaPx" not in partial:
        try:
            with open(os.path.join(args.prepared, "manifest.json")) as f:
                preprocess = json.load(f)["preprocess"]
        except (OSError, ValueError, KeyError):
            preprocess = None  # PreparedDataset names what is wrong with the folder
        if preprocess:
            partial.setdefault("size", preprocess["size"])
            partial.setdefault("gazeSigmaPx", preprocess["gazeSigmaPx"])
    return resolve_config(partial)


def main(argv=None):
    args = parse_args(argv)
    dist = Distributed(args.device)
    try:
        c = config_from_args(args)
        if args.workers is None:
            args.workers = 4 if dist.device.type == "cuda" else 0
        if args.max_steps is not None and args.max_steps < 1:
            raise UsageError("--max-steps must be >= 1, got %d" % args.max_steps)
        if dist.device.type == "cuda" and not torch.cuda.is_available():
            raise UsageError("--device cuda: this PyTorch has no CUDA device; use --device cpu")
        train(args, c, dist)
        return 0
    except (UsageError, PreparedDataError, TrainingDiverged) as err:
        # One line per failure: every process finds the same problem, rank 0 says it.
        if dist.is_main:
            print("gazecam_torch.train: %s" % err, file=sys.stderr)
        return 1 if isinstance(err, TrainingDiverged) else 2
    finally:
        dist.stop()


if __name__ == "__main__":
    sys.exit(main())
