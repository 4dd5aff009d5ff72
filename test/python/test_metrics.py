"""gazecam_torch.metrics against definitions written out the slow way."""
import itertools
import json
import math
import unittest

import numpy as np

from gazecam_torch.metrics import json_safe, mass_in_top_gaze, pearson, roc_auc, split_metrics


def auc_by_pairs(scores, positive):
    """P(score of a positive > score of a negative), ties counting one half."""
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


class MetricsTest(unittest.TestCase):
    def test_auc_equals_the_pairwise_definition_with_ties(self):
        rng = np.random.default_rng(0)
        for _ in range(20):
            scores = rng.integers(0, 5, 30) / 4  # many ties
            positive = rng.random(30) < 0.4
            self.assertAlmostEqual(roc_auc(scores, positive), auc_by_pairs(scores, positive), places=12)
        self.assertTrue(math.isnan(roc_auc([0.1, 0.2], [True, True])))

    def test_pearson_and_mass(self):
        rng = np.random.default_rng(1)
        a, b = rng.random(50), rng.random(50)
        self.assertAlmostEqual(pearson(a, b), float(np.corrcoef(a, b)[0, 1]), places=12)
        self.assertTrue(math.isnan(pearson(np.ones(5), a[:5])))
        gaze = np.arange(10, dtype=np.float64)  # top 20%: the pixels holding 8 and 9
        cam = np.ones(10)
        self.assertAlmostEqual(mass_in_top_gaze(cam, gaze), 0.2)

    def test_split_metrics_skips_unknown_labels_and_counts_conflicts(self):
        probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
        m = split_metrics(probs, [0, 1, 1, -1], [0, 1, 1, 0], 3.0, [0.5, float("nan")], [0.25])
        self.assertEqual(m["count"], 3)
        self.assertAlmostEqual(m["accuracy"], 2 / 3)
        self.assertEqual(m["confusion"], [[1, 0], [1, 1]])
        self.assertEqual(m["conflictCount"], 2)
        self.assertAlmostEqual(m["conflictAccuracy"], 0.5)
        self.assertAlmostEqual(m["camGazeR"], 0.5)  # NaN r's are left out, as the engine does
        self.assertEqual(m["withGaze"], 2)
        self.assertAlmostEqual(m["loss"], 1.0)

    def test_json_safe_writes_null_for_nan(self):
        text = json.dumps(json_safe({"a": float("nan"), "b": [1.0, float("inf")], "c": np.float32(2)}))
        self.assertEqual(json.loads(text), {"a": None, "b": [1.0, None], "c": 2.0})


if __name__ == "__main__":
    unittest.main()
