"""Every loss the engine has (src/engine/train/losses.ts), NCHW: cross-entropy, the CAM-to-gaze
loss (mse, bce, l1 on the seed's sigmoid CAMs; kl on the raw CAM upsampled; true or all classes)
and the multi-task head loss, each averaged over the images that have gaze.

The per-image functions are what the distributed trainer sums (it divides by the global batch's
counts so N processes give one process's gradient); the *_loss functions are the engine's means.
"""
import torch
import torch.nn.functional as F

from .cams import refine_cams, upsample_align_corners

GAZE_LOSSES = ("mse", "bce", "l1", "kl")
MULTITASK_LOSSES = ("mse", "kl")
BCE_EPS = 1e-7


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy (torch.nn.CrossEntropyLoss); labels are class indices [B]."""
    return F.cross_entropy(logits, labels)


def masked_mean(per_image, mask):
    """Mean of per-image values over the images whose mask is 1; 0 when none has gaze."""
    return (per_image * mask).sum() / mask.sum().clamp_min(1)


def pixel_distance(pred, target, loss):
    """Seed-style distance between a [0,1] map and the gaze, per image: mean over pixels (and over
    classes when several are supervised). pred/target [B,C,H,W] -> [B]."""
    if loss == "mse":
        d = (pred - target) ** 2
    elif loss == "l1":
        d = (pred - target).abs()
    elif loss == "bce":
        p = pred.clamp(BCE_EPS, 1 - BCE_EPS)
        d = -(target * torch.log(p) + (1 - target) * torch.log(1 - p))
    else:
        raise ValueError("pixel distance is mse, bce or l1; got %r" % (loss,))
    return d.mean(dim=(1, 2, 3))


def kl_to_gaze(logit_maps, gaze):
    """KL(q || softmax(logits)) per image over H*W, q the gaze normalised to sum 1; logit_maps and
    gaze [B,C,H,W], averaged over C. q log q is a constant of the target, kept so the value is a
    true KL (0 when the prediction matches)."""
    b, c = logit_maps.shape[:2]
    flat_logits = logit_maps.reshape(b, c, -1)
    flat_gaze = gaze.reshape(b, c, -1)
    q = flat_gaze / flat_gaze.sum(2, keepdim=True).clamp_min(1e-12)
    q_log_q = torch.where(q > 0, q * torch.log(q.clamp_min(1e-30)), torch.zeros_like(q))
    return (q_log_q - q * F.log_softmax(flat_logits, 2)).sum(2).mean(1)


def true_class_map(maps, labels):
    """[B,K,H,W] -> [B,1,H,W]: each image's map of its label."""
    return maps[torch.arange(maps.shape[0], device=maps.device), labels].unsqueeze(1)


def cam_gaze_per_image(cam, gaze, labels, loss="kl", classes="true"):
    """The guided-attention loss per image. cam: the raw CAM [B,K,h,w] (cam_maps); gaze [B,1,H,W]
    in [0,1]; labels [B]. mse/bce/l1 compare the seed's sigmoid CAMs with the gaze; kl compares the
    raw CAM upsampled (align_corners) as a distribution."""
    if loss not in GAZE_LOSSES:
        raise ValueError("loss must be one of %s; got %r" % (", ".join(GAZE_LOSSES), loss))
    size = tuple(gaze.shape[2:])
    maps = upsample_align_corners(cam, size) if loss == "kl" else refine_cams(cam, size)[1]
    selected = true_class_map(maps, labels) if classes == "true" else maps
    target = gaze.expand(-1, selected.shape[1], -1, -1)
    return kl_to_gaze(selected, target) if loss == "kl" else pixel_distance(selected, target, loss)


def cam_gaze_loss(cam, gaze, gaze_mask, labels, loss="kl", classes="true"):
    """camGazeLoss: cam_gaze_per_image averaged over the images with gaze (gaze_mask [B] of 0/1)."""
    return masked_mean(cam_gaze_per_image(cam, gaze, labels, loss, classes), gaze_mask)


def gaze_head_per_image(gaze_logits, gaze, loss="mse"):
    """Karargyris' multi-task loss per image on the head's logits [B,1,h,w], upsampled to the gaze
    map's size: mse on their sigmoid, or kl as for CAMs."""
    if loss not in MULTITASK_LOSSES:
        raise ValueError("multitask loss must be one of %s; got %r" % (", ".join(MULTITASK_LOSSES), loss))
    up = upsample_align_corners(gaze_logits, tuple(gaze.shape[2:]))
    return kl_to_gaze(up, gaze) if loss == "kl" else pixel_distance(torch.sigmoid(up), gaze, "mse")


def gaze_head_loss(gaze_logits, gaze, gaze_mask, loss="mse"):
    """gazeHeadLoss: gaze_head_per_image averaged over the images with gaze."""
    return masked_mean(gaze_head_per_image(gaze_logits, gaze, loss), gaze_mask)
