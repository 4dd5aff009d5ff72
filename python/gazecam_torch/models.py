"""The engine's models in PyTorch: torchvision's ResNets, the narrow -small/-tiny variants, the CAM
stride, the multi-task gaze head. Same architectures, state_dict keys and strides as
src/engine/model, so a state_dict moves between the two unchanged (NCHW here, NHWC there).

This module and safetensors.py import nothing else from the package: a studio export ships the two
joined as one file, torch_gazecam_models.py, for users who have only torch, torchvision and numpy.

    model = build_backbone("resnet18", num_classes=3, cam_stride=8)   # torchvision.models.resnet18
    head = build_gaze_head(model_feature_channels("resnet18"), hidden=64)
    logits, fmap, gaze_logits = forward(model, x_nchw, head)
"""
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
CAM_STRIDES = (32, 16, 8)
# The engine's default multi-task head (src/engine/model/gaze_head.ts DEFAULT_GAZE_HEAD).
GAZE_HEAD_HIDDEN = 64


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


def check_arch(arch):
    if arch not in ARCHITECTURES:
        raise ValueError("unknown architecture %r; one of %s" % (arch, ", ".join(ARCHITECTURES)))


def model_feature_channels(arch):
    check_arch(arch)
    block, _, widths, _ = ARCHITECTURES[arch]
    return widths[3] * block.expansion


def effective_cam_stride(cam_stride, size):
    """The engine's rule (config.ts effectiveCamStride): the given stride, or for 0 the largest
    stride giving a CAM of at least 8x8."""
    if cam_stride:
        return cam_stride
    for stride in (32, 16):
        if size / stride >= 8:
            return stride
    return 8


def stage_strides(cam_stride):
    """Strides of layer1..layer4 after the CAM stride change (torchvision: 1, 2, 2, 2)."""
    if cam_stride not in CAM_STRIDES:
        raise ValueError("cam_stride must be 32, 16 or 8; got %r" % (cam_stride,))
    return [1, 2, 1 if cam_stride <= 8 else 2, 1 if cam_stride <= 16 else 2]


def set_cam_stride(model, cam_stride):
    """Stride 1 (no dilation) in layer4 (cam_stride 16) or layer3+layer4 (8): the strided conv of
    the first block and its downsample conv. The state_dict is unchanged."""
    if cam_stride not in CAM_STRIDES:
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
    check_arch(arch)
    if arch in TORCHVISION_ARCHS:
        model = getattr(torchvision.models, arch)(num_classes=num_classes)
    else:
        block, layers, widths, stem = ARCHITECTURES[arch]
        model = NarrowResNet(block, layers, widths, stem, num_classes)
    return set_cam_stride(model, cam_stride)


def build_gaze_head(in_channels, hidden=GAZE_HEAD_HIDDEN):
    """Karargyris-style gaze decoder; keys 0.weight/0.bias/2.weight/2.bias (exported as gaze_head.*)."""
    return nn.Sequential(nn.Conv2d(in_channels, hidden, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(hidden, 1, 1))


def features(model, x):
    """The last feature map (after layer4, before pooling), NCHW [B, C, H/stride, W/stride]."""
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    return model.layer4(model.layer3(model.layer2(model.layer1(x))))


def forward(model, x, head=None):
    """-> (logits [B,K], fmap [B,C,h,w], gaze logits [B,1,h,w] or None)"""
    fmap = features(model, x)
    logits = model.fc(torch.flatten(model.avgpool(fmap), 1))
    return logits, fmap, (head(fmap) if head is not None else None)


class GazeCamNet(nn.Module):
    """The backbone and the optional gaze head as one module (what DistributedDataParallel wraps);
    their state_dicts are still saved apart, as the engine does (model.safetensors, gaze_head.*)."""

    def __init__(self, backbone, head=None):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x):
        return forward(self.backbone, x, self.head)
