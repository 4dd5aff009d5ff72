"""Class activation maps as the seed computes them (DESIGN.md section 1), NCHW.

cam_maps is the seed's F.conv2d(fmap, fc.weight.detach()[:, :, None, None]): the classifier weight
is detached, so a CAM loss trains the features only. refine_cams is the seed's function verbatim.
The engine's counterparts (src/engine/kernels/cam_ops.ts) are NHWC: camMaps [B,h,w,K].
"""
import torch
import torch.nn.functional as F


def cam_maps(fmap, fc_weight):
    """fmap [B,C,h,w], fc_weight [K,C] (nn.Linear's) -> raw CAM [B,K,h,w]; no gradient reaches fc."""
    return F.conv2d(fmap, fc_weight.detach().unsqueeze(2).unsqueeze(3))


def upsample_align_corners(x, size):
    """Bilinear with align_corners=True, only when the size differs (as refine_cams does)."""
    if tuple(x.shape[2:]) == tuple(size):
        return x
    return F.interpolate(x, size, mode="bilinear", align_corners=True)


def refine_cams(cam_original, image_shape):
    # --- seed code, verbatim ---
    if image_shape[0] != cam_original.size(2) or image_shape[1] != cam_original.size(3):
        cam_original = F.interpolate(
            cam_original, image_shape, mode="bilinear", align_corners=True
        )
    B, C, H, W = cam_original.size()
    cams = []
    for idx in range(C):
        cam = cam_original[:, idx, :, :]
        cam = cam.view(B, -1)
        cam_min = cam.min(dim=1, keepdim=True)[0]
        cam_max = cam.max(dim=1, keepdim=True)[0]
        norm = cam_max - cam_min
        norm[norm == 0] = 1e-5
        cam = (cam - cam_min) / norm
        cam = cam.view(B, H, W).unsqueeze(1)
        cams.append(cam)
    cams = torch.cat(cams, dim=1)
    sigmoid_cams = torch.sigmoid(100*(cams - 0.4))
    return cams, sigmoid_cams
