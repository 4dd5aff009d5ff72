"""Evaluation metrics as the engine computes them (src/engine/train/metrics.ts), on numpy arrays:
accuracy, per-class and macro ROC AUC (one-vs-rest), the confusion matrix, CAM-gaze Pearson r,
the CAM's mass inside the top-20% gaze region, and accuracy where a shortcut contradicts the label.
split_metrics returns the engine's SplitMetrics fields (camelCase), so run.json reads the same.
"""
import math

import numpy as np


def roc_auc(scores, positive):
    """ROC AUC by the rank sum (Mann-Whitney U) with average ranks for ties; NaN without both classes."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    n = len(scores)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(n, dtype=np.float64)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n_pos = int(positive.sum())
    n_neg = n - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pearson(a, b):
    """Pearson correlation; NaN when either array is constant."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    da, db = a - a.mean(), b - b.mean()
    va, vb = float((da * da).sum()), float((db * db).sum())
    return float((da * db).sum() / math.sqrt(va * vb)) if va > 0 and vb > 0 else math.nan


def mass_in_top_gaze(cam, gaze, fraction=0.2):
    """Share of the CAM's mass inside the pixels holding the top `fraction` of gaze values."""
    cam = np.asarray(cam, dtype=np.float64).ravel()
    gaze = np.asarray(gaze, dtype=np.float64).ravel()
    n = len(gaze)
    threshold = np.sort(gaze)[min(n - 1, int(math.floor(n * (1 - fraction))))]
    total = cam.sum()
    return float(cam[gaze >= threshold].sum() / total) if total > 0 else math.nan


def _finite_mean(xs):
    defined = [x for x in xs if math.isfinite(x)]
    return sum(defined) / len(defined) if defined else math.nan


def split_metrics(probs, labels, conflict, ce_loss_sum, cam_gaze_r, cam_mass):
    """probs [N,K], labels [N] (-1: unknown to the model: predicted, not scored), conflict [N] 0/1,
    the summed per-image cross-entropy, and per image with gaze its r and CAM mass (lists)."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    conflict = np.asarray(conflict).astype(bool)
    k = probs.shape[1]
    known = labels >= 0
    probs, labels, conflict = probs[known], labels[known], conflict[known]
    n = len(labels)
    pred = probs.argmax(1) if n else np.zeros(0, dtype=np.int64)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    correct = pred == labels
    auc = [roc_auc(probs[:, c], labels == c) for c in range(k)]
    conflict_count = int(conflict.sum())
    return {
        "count": n,
        "loss": ce_loss_sum / n if n else math.nan,
        "accuracy": float(correct.mean()) if n else math.nan,
        "auc": auc,
        "macroAuc": _finite_mean(auc),
        "confusion": confusion.tolist(),
        "camGazeR": _finite_mean(cam_gaze_r),
        "camMassInGaze": _finite_mean(cam_mass),
        "withGaze": len(cam_gaze_r),
        "conflictAccuracy": float(correct[conflict].mean()) if conflict_count else math.nan,
        "conflictCount": conflict_count,
    }


def json_safe(value):
    """NaN and Inf become null, as JSON.stringify writes them (Python's json would write NaN,
    which JSON.parse rejects)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value
