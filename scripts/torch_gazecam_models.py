"""PyTorch side of GazeCAM Studio's models: the same architectures, state_dict keys and strides as
src/engine/model, plus a numpy-only safetensors reader/writer (Debian has no python3-safetensors).

Run with Debian's interpreter (python3-torch 1.13, python3-torchvision 0.14):
    /usr/bin/python3 -c "import sys; sys.path.insert(0, 'scripts'); import torch_gazecam_models as g; ..."

    model = build_backbone("resnet18", num_classes=3, cam_stride=8)   # torchvision.models.resnet18
    model.load_state_dict(read_state_dict("run/model.safetensors"), strict=True)
    head = build_gaze_head(model_feature_channels("resnet18"), hidden=64)
    head.load_state_dict(strip_prefix(read_state_dict("run/gaze_head.safetensors"), "gaze_head."))
    logits, fmap, gaze_logits = forward(model, x_nchw, head)
"""
import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock, Bottleneck

# name -> (block, blocks per stage, widths, stem width); mirrors src/engine/model/arch.ts
ARCHITECTURES = {
    "resnet18": (BasicBlock, [2, 2, 2, 2], [64, 128, 256, 512], 64),
    "resnet34": (BasicBlock, [3, 4, 6, 3], [64, 128, 256, 512], 64),
    "resnet50": (Bottleneck, [3, 4, 6, 3], [64, 128, 256, 512], 64),
    "resnet18-small": (BasicBlock, [2, 2, 2, 2], [16, 32, 64, 128], 16),
    "resnet10-small": (BasicBlock, [1, 1, 1, 1], [16, 32, 64, 128], 16),
    "resnet10-tiny": (BasicBlock, [1, 1, 1, 1], [8, 16, 32, 64], 8),
}
TORCHVISION_ARCHS = {"resnet18", "resnet34", "resnet50"}


class NarrowResNet(nn.Module):
    """torchvision's ResNet (v1.5) with configurable stage widths; identical module names, so the
    state_dict keys are torchvision's. Init as torchvision (kaiming_normal fan_out, BN 1/0)."""

    def __init__(self, block, layers, widths, stem, num_classes):
        super().__init__()
        self.inplanes = stem
        self.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, widths[0], layers[0], 1)
        self.layer2 = self._make_layer(block, widths[1], layers[1], 2)
        self.layer3 = self._make_layer(block, widths[2], layers[2], 2)
        self.layer4 = self._make_layer(block, widths[3], layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3] * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, block, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def model_feature_channels(arch):
    block, _, widths, _ = ARCHITECTURES[arch]
    return widths[3] * block.expansion


def set_cam_stride(model, cam_stride):
    """Stride 1 (no dilation) in layer4 (cam_stride 16) or layer3+layer4 (8): the strided conv of
    the first block and its downsample conv. The state_dict is unchanged."""
    if cam_stride not in (32, 16, 8):
        raise ValueError("cam_stride must be 32, 16 or 8; got %r" % (cam_stride,))
    stages = {32: [], 16: [model.layer4], 8: [model.layer3, model.layer4]}[cam_stride]
    for stage in stages:
        first = stage[0]
        strided = first.conv2 if isinstance(first, Bottleneck) else first.conv1
        strided.stride = (1, 1)
        if first.downsample is not None:
            first.downsample[0].stride = (1, 1)
    return model


def build_backbone(arch, num_classes, cam_stride=32):
    if arch in TORCHVISION_ARCHS:
        model = getattr(torchvision.models, arch)(num_classes=num_classes)
    else:
        block, layers, widths, stem = ARCHITECTURES[arch]
        model = NarrowResNet(block, layers, widths, stem, num_classes)
    return set_cam_stride(model, cam_stride)


def build_gaze_head(in_channels, hidden=64):
    """Karargyris-style gaze decoder; keys 0.weight/0.bias/2.weight/2.bias (exported as gaze_head.*)."""
    return nn.Sequential(nn.Conv2d(in_channels, hidden, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(hidden, 1, 1))


def features(model, x):
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    return model.layer4(model.layer3(model.layer2(model.layer1(x))))


def forward(model, x, head=None):
    """-> (logits [B,K], fmap [B,C,h,w], gaze logits [B,1,h,w] or None)"""
    fmap = features(model, x)
    logits = model.fc(torch.flatten(model.avgpool(fmap), 1))
    return logits, fmap, (head(fmap) if head is not None else None)


# --- safetensors with numpy -------------------------------------------------------------------

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def read_safetensors(path):
    """-> (dict name -> numpy array, metadata dict)"""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype=np.dtype(_DTYPES[e["dtype"]]).newbyteorder("<")).reshape(e["shape"]).copy()
    return out, meta


def write_safetensors(path, arrays, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, a in arrays.items():
        a = np.asarray(a, order="C")  # not ascontiguousarray: it turns 0-d arrays into 1-d
        blob = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    js = json.dumps(header).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for blob in blobs:
            f.write(blob)


def read_state_dict(path):
    arrays, _ = read_safetensors(path)
    return {k: torch.from_numpy(v) for k, v in arrays.items()}


def write_state_dict(path, state_dict, metadata=None, prefix=""):
    write_safetensors(path, {prefix + k: v.detach().cpu().numpy() for k, v in state_dict.items()}, metadata)


def strip_prefix(state_dict, prefix):
    return {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
