"""Prepared datasets (`gazecam prepare <dataset> --out <dir> --size N`, src/data/prepared.ts) and the
engine's data order.

A prepared folder holds manifest.json and, per split, shards of .npy arrays that numpy alone reads:
  <shard>.images.npy    uint16 [n, S, S]  gray in [0, 65535] (x / 65535 is the engine's [0, 1] image)
  <shard>.gaze.npy      uint8  [n, S, S]  gaze map in [0, 255]; zeros where has_gaze is 0
  <shard>.labels.npy    int32  [n]        class index into manifest["classNames"]
  <shard>.has_gaze.npy  uint8  [n]
  <shard>.conflict.npy  uint8  [n]        1 where a shortcut contradicts the label (demo hard mode)
Shards are memory-mapped: an epoch streams through them and never holds the dataset in memory.

epoch_order reproduces src/engine/train/loop.ts epochOrder bit for bit (mulberry32 keyed by the
FNV-1a hash of "order:<seed>:<epoch>"), so the same seed gives the engine's batches.
"""
import json
import os

import numpy as np

PREPARED_FORMAT = "gazecam-prepared"
PREPARED_VERSION = 1
MANIFEST_FILE = "manifest.json"
SPLITS = ("train", "val", "test")
# array name -> (numpy dtype, per-sample shape is [S, S] when True)
ARRAYS = {
    "images": (np.uint16, True),
    "gaze": (np.uint8, True),
    "labels": (np.int32, False),
    "has_gaze": (np.uint8, False),
    "conflict": (np.uint8, False),
}

_M32 = 0xFFFFFFFF


class PreparedDataError(Exception):
    """A prepared folder that cannot be trained on; the message names the file and what to do."""


# --- the engine's seeded order (src/util/rng.ts) -----------------------------------------------


def _imul(a, b):
    return (a * b) & _M32


def mulberry32(seed):
    """src/util/rng.ts mulberry32: a function returning floats in [0, 1), identical to the JS one."""
    state = [seed & _M32]

    def rand():
        state[0] = (state[0] + 0x6D2B79F5) & _M32
        t = state[0]
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _M32
        return ((t ^ (t >> 14)) & _M32) / 4294967296

    return rand


def hash_string(s):
    """FNV-1a over UTF-16 code units, as src/util/rng.ts hashString."""
    h = 0x811C9DC5
    units = s.encode("utf-16-le")
    for i in range(0, len(units), 2):
        h ^= units[i] | (units[i + 1] << 8)
        h = _imul(h, 0x01000193)
    return h


def shuffle_in_place(items, rand):
    for i in range(len(items) - 1, 0, -1):
        j = int(rand() * (i + 1))
        items[i], items[j] = items[j], items[i]
    return items


def epoch_order(seed, epoch, count):
    """Sample order of one epoch: a pure function of (seed, epoch), as the engine's epochOrder."""
    return shuffle_in_place(list(range(count)), mulberry32(hash_string("order:%d:%d" % (seed, epoch))))


# --- reading a prepared folder -------------------------------------------------------------------


def npy_bytes(dtype, shape):
    """Size of a .npy v1.0 file as src/data/prepared.ts writes it: header padded to 64 bytes."""
    shape_text = "(%d,)" % shape[0] if len(shape) == 1 else "(%s)" % ", ".join(str(d) for d in shape)
    descr = np.dtype(dtype).newbyteorder("<").str
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header_total = -(-(10 + len(header) + 1) // 64) * 64
    return header_total + int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize


class PreparedSplit:
    """One split of a prepared folder: `len()`, `split[i]` -> dict of numpy values, and
    `arrays(indices)` -> stacked arrays for a batch. Also a torch Dataset (duck-typed: a
    DataLoader needs only __len__ and __getitem__)."""

    def __init__(self, root, name, entry, size):
        self.root = root
        self.name = name
        self.size = size
        self.ids = entry["ids"]
        self.image_paths = entry["imagePaths"]
        self.shards = entry["shards"]
        counts = [s["count"] for s in self.shards]
        self.count = int(sum(counts))
        self.starts = np.cumsum([0] + counts)
        self._images = [None] * len(self.shards)
        self._gaze = [None] * len(self.shards)
        small = {k: [] for k, (_, per_pixel) in ARRAYS.items() if not per_pixel}
        for shard in self.shards:
            for key in small:
                small[key].append(np.load(os.path.join(root, shard["files"][key])))
        empty = {key: np.zeros(0, dtype=ARRAYS[key][0]) for key in small}
        self.labels = np.concatenate(small["labels"]) if self.shards else empty["labels"]
        self.has_gaze = np.concatenate(small["has_gaze"]) if self.shards else empty["has_gaze"]
        self.conflict = np.concatenate(small["conflict"]) if self.shards else empty["conflict"]

    def __len__(self):
        return self.count

    def _locate(self, i):
        shard = int(np.searchsorted(self.starts, i, side="right")) - 1
        return shard, i - int(self.starts[shard])

    def _maps(self, shard):
        # Opened lazily and per process: DataLoader workers each map the files themselves.
        if self._images[shard] is None:
            files = self.shards[shard]["files"]
            self._images[shard] = np.load(os.path.join(self.root, files["images"]), mmap_mode="r")
            self._gaze[shard] = np.load(os.path.join(self.root, files["gaze"]), mmap_mode="r")
        return self._images[shard], self._gaze[shard]

    def __getitem__(self, i):
        if not 0 <= i < self.count:
            raise IndexError("sample %d of a %d-sample split" % (i, self.count))
        shard, local = self._locate(i)
        images, gaze = self._maps(shard)
        return {
            "image": np.array(images[local]),
            "gaze": np.array(gaze[local]),
            "label": int(self.labels[i]),
            "has_gaze": int(self.has_gaze[i]),
            "conflict": int(self.conflict[i]),
            "index": i,
        }

    def arrays(self, indices):
        """-> dict of stacked numpy arrays for the samples at `indices` (in that order)."""
        items = [self[int(i)] for i in indices]
        return collate_arrays(items)


def collate_arrays(items):
    return {
        "image": np.stack([it["image"] for it in items]),
        "gaze": np.stack([it["gaze"] for it in items]),
        "label": np.array([it["label"] for it in items], dtype=np.int64),
        "has_gaze": np.array([it["has_gaze"] for it in items], dtype=np.uint8),
        "conflict": np.array([it["conflict"] for it in items], dtype=np.uint8),
        "index": np.array([it["index"] for it in items], dtype=np.int64),
    }


def to_float(arrays):
    """uint16 image / 65535 and uint8 gaze / 255 as float32 [B,1,S,S] (computed in float64 and
    rounded once, as the engine's makeBatch does in JavaScript)."""
    image = (arrays["image"].astype(np.float64) / 65535).astype(np.float32)[:, None]
    gaze = (arrays["gaze"].astype(np.float64) / 255).astype(np.float32)[:, None]
    return image, gaze


class PreparedDataset:
    """A prepared folder, checked on open: the manifest's format, and every shard file present
    with the exact size its shape needs (a missing or truncated shard is named)."""

    def __init__(self, root):
        self.root = root
        path = os.path.join(root, MANIFEST_FILE)
        if not os.path.isdir(root):
            raise PreparedDataError("%s: not a folder; pass the --out folder of `gazecam prepare`" % root)
        if not os.path.exists(path):
            raise PreparedDataError("%s: no %s; prepare the dataset first: gazecam prepare <dataset> --out %s --size N" % (root, MANIFEST_FILE, root))
        try:
            with open(path) as f:
                m = json.load(f)
        except ValueError as err:
            raise PreparedDataError("%s: not valid JSON (%s); run gazecam prepare again" % (path, err))
        if m.get("format") != PREPARED_FORMAT:
            raise PreparedDataError("%s: not a gazecam prepared manifest (format %r)" % (path, m.get("format")))
        if m.get("version") != PREPARED_VERSION:
            raise PreparedDataError("%s: prepared format version %r; this gazecam_torch reads %d: run gazecam prepare again" % (path, m.get("version"), PREPARED_VERSION))
        self.manifest = m
        self.dataset_id = m["datasetId"]
        self.class_names = m["classNames"]
        self.size = int(m["preprocess"]["size"])
        self._check_shards()
        self.splits = {name: PreparedSplit(root, name, m["splits"][name], self.size) for name in SPLITS}

    def _check_shards(self):
        s = self.size
        missing = []
        for split in SPLITS:
            for shard in self.manifest["splits"][split]["shards"]:
                for key, (dtype, per_pixel) in ARRAYS.items():
                    rel = shard["files"][key]
                    full = os.path.join(self.root, rel)
                    if not os.path.exists(full):
                        missing.append(rel)
                        continue
                    expected = npy_bytes(dtype, [shard["count"], s, s] if per_pixel else [shard["count"]])
                    got = os.path.getsize(full)
                    if got != expected:
                        raise PreparedDataError(
                            "%s: %d bytes, expected %d for %d samples at %d px: the shard is truncated or was "
                            "replaced; run gazecam prepare again" % (full, got, expected, shard["count"], s)
                        )
        if missing:
            first = os.path.join(self.root, missing[0])
            others = sorted(d for d in os.listdir(self.root) if d.startswith("shards-") and d != "shards-" + self.dataset_id)
            if others and not os.path.exists(os.path.join(self.root, "shards-" + self.dataset_id)):
                raise PreparedDataError(
                    "%s: describes dataset %s but this folder holds the shards of %s: the manifest comes from "
                    "another dataset; run gazecam prepare again" % (os.path.join(self.root, MANIFEST_FILE), self.dataset_id, others[0][7:])
                )
            raise PreparedDataError("%s: missing (%d shard files missing); run gazecam prepare again" % (first, len(missing)))
