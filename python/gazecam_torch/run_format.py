"""The engine's run format (src/engine/io/run_manifest.ts, src/node/run_files.ts): run.json and
model.safetensors (+ gaze_head.safetensors for multi-task), so `gazecam predict`, the studio's
"Import weights" and PyTorch users read a run from either side the same way.

    manifest, model, head = load_run("runs/a")          # torchvision module, strides set, eval mode
"""
import datetime
import json
import os

from .metrics import json_safe
from .models import ARCHITECTURES, GAZE_HEAD_HIDDEN, TORCHVISION_ARCHS, build_backbone, build_gaze_head, model_feature_channels, stage_strides
from .safetensors import read_state_dict, state_dict_arrays, serialize_safetensors, strip_prefix

RUN_FORMAT = "gazecam-run"
RUN_FILE = "run.json"
WEIGHTS_FILE = "model.safetensors"
GAZE_HEAD_FILE = "gaze_head.safetensors"
GAZE_HEAD_PREFIX = "gaze_head."
DECODE = (
    "one channel in [0,1]: 8-bit /255, 16-bit /65535, DICOM rescale slope/intercept then the file's window, "
    "MONOCHROME1 inverted; bilinear resize to size x size; x = (gray - mean[c]) / std[c] for c in RGB"
)


def pytorch_call(arch, num_classes, cam_stride):
    """The Python line that rebuilds the model, as run.json's model.pytorch (src/engine/model/arch.ts)."""
    if arch in TORCHVISION_ARCHS:
        call = "torchvision.models.%s(num_classes=%d)" % (arch, num_classes)
    else:
        call = 'torch_gazecam_models.build_backbone("%s", num_classes=%d)' % (arch, num_classes)
    if cam_stride == 32:
        return call
    strides = stage_strides(cam_stride)
    where = "layer3[0] and layer4[0]" if strides[2] == 1 else "layer4[0]"
    conv = "2" if ARCHITECTURES[arch][0].expansion == 4 else "1"
    return "%s; then set stride 1 in %s (conv%s.stride and downsample[0].stride = (1, 1)) so the CAM is input/%d" % (call, where, conv, cam_stride)


def build_run_manifest(config, class_names, cam_stride, gaze_head, history, test, dataset, trainer=None):
    """run.json's content, field for field as buildRunManifest writes it."""
    arch = config["arch"]
    manifest = {
        "format": RUN_FORMAT,
        "version": 1,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "config": config,
        "classNames": class_names,
        "model": {
            "arch": arch,
            "numClasses": len(class_names),
            "camStride": cam_stride,
            "stageStrides": stage_strides(cam_stride),
            "gazeHead": gaze_head,
            "pytorch": pytorch_call(arch, len(class_names), cam_stride),
        },
        "preprocess": {
            "size": config["size"],
            "channels": "gray repeated to 3",
            "mean": list(config["mean"]),
            "std": list(config["std"]),
            "decode": DECODE,
        },
        "files": dict({"weights": WEIGHTS_FILE}, **({"gazeHead": GAZE_HEAD_FILE} if gaze_head else {})),
        "metrics": {"history": history, "test": test},
        "dataset": dataset,
    }
    if trainer:
        manifest["trainer"] = trainer
    return json_safe(manifest)


def export_metadata(manifest):
    """What every exported safetensors file carries in __metadata__ (torchvision.ts exportMetadata)."""
    m = manifest["model"]
    return {
        "format": "pt",
        "gazecam.arch": m["arch"],
        "gazecam.num_classes": str(m["numClasses"]),
        "gazecam.cam_stride": str(m["camStride"]),
        "gazecam.stage_strides": json.dumps(m["stageStrides"], separators=(",", ":")),
        "gazecam.gaze_head": json.dumps({"hidden": GAZE_HEAD_HIDDEN}, separators=(",", ":")) if m["gazeHead"] else "none",
        "gazecam.run": json.dumps({"classNames": manifest["classNames"], "preprocess": manifest["preprocess"], "model": m}, separators=(",", ":")),
    }


def write_atomic(path, data):
    """Write then rename: a crash leaves the previous file or the new one, never half of one."""
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    os.replace(tmp, path)


def write_run(out, backbone, head, manifest):
    """model.safetensors (+ gaze_head.safetensors), then run.json last: a folder with run.json is complete."""
    os.makedirs(out, exist_ok=True)
    meta = export_metadata(manifest)
    written = [os.path.join(out, WEIGHTS_FILE)]
    write_atomic(written[0], serialize_safetensors(state_dict_arrays(backbone.state_dict()), meta))
    if head is not None:
        written.append(os.path.join(out, GAZE_HEAD_FILE))
        write_atomic(written[-1], serialize_safetensors(state_dict_arrays(head.state_dict(), GAZE_HEAD_PREFIX), dict(meta, **{"gazecam.part": "gaze_head"})))
    written.append(os.path.join(out, RUN_FILE))
    write_atomic(written[-1], json.dumps(manifest, indent=2) + "\n")
    return written


def load_run(run):
    """-> (manifest, backbone in eval mode, gaze head or None) from a run folder of either trainer."""
    path = os.path.join(run, RUN_FILE)
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != RUN_FORMAT:
        raise ValueError("%s: not a GazeCAM run manifest (format %r)" % (path, manifest.get("format")))
    m = manifest["model"]
    model = build_backbone(m["arch"], m["numClasses"], m["camStride"])
    # strict=True: every torchvision key present with the right shape, nothing extra.
    model.load_state_dict(read_state_dict(os.path.join(run, manifest["files"]["weights"])), strict=True)
    head = None
    if manifest["files"].get("gazeHead"):
        head = build_gaze_head(model_feature_channels(m["arch"]))
        head.load_state_dict(strip_prefix(read_state_dict(os.path.join(run, manifest["files"]["gazeHead"])), GAZE_HEAD_PREFIX), strict=True)
        head.eval()
    return manifest, model.eval(), head
