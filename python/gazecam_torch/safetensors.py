"""safetensors with numpy alone (Debian has no python3-safetensors): the format of the engine's
model.safetensors (src/engine/io/safetensors.ts). Format: an 8-byte little-endian header length N,
N bytes of JSON {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the raw
little-endian tensor bytes.

Imports nothing else from the package (a studio export ships it joined with models.py).

    state = read_state_dict("run/model.safetensors")              # name -> torch.Tensor
    write_state_dict("out.safetensors", model.state_dict(), {"arch": "resnet18"})
"""
import json
import struct

import numpy as np
import torch

_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


class SafetensorsError(ValueError):
    pass


def parse_safetensors(raw, source="<bytes>"):
    """bytes -> (dict name -> numpy array, metadata dict)"""
    if len(raw) < 8:
        raise SafetensorsError("%s: %d bytes; a safetensors file has at least an 8-byte header length" % (source, len(raw)))
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise SafetensorsError("%s: header length %d does not fit a %d-byte file: not safetensors, or truncated" % (source, n, len(raw)))
    header = json.loads(bytes(raw[8 : 8 + n]).decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    data = raw[8 + n :]
    out = {}
    for name, e in header.items():
        if e["dtype"] not in _DTYPES:
            raise SafetensorsError("%s: tensor %s has dtype %s, which numpy cannot hold (convert it to F32)" % (source, name, e["dtype"]))
        begin, end = e["data_offsets"]
        if end > len(data):
            raise SafetensorsError("%s: tensor %s ends at byte %d of a %d-byte data section: truncated" % (source, name, end, len(data)))
        dtype = np.dtype(_DTYPES[e["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(e["shape"]).astype(dtype.newbyteorder("="))
    return out, meta


def read_safetensors(path):
    """-> (dict name -> numpy array, metadata dict)"""
    with open(path, "rb") as f:
        return parse_safetensors(f.read(), path)


def serialize_safetensors(arrays, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, a in arrays.items():
        a = np.asarray(a, order="C")  # not ascontiguousarray: it turns 0-d arrays into 1-d
        if a.dtype not in _NAMES:
            raise SafetensorsError("tensor %s: dtype %s has no safetensors name" % (name, a.dtype))
        blob = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    js = json.dumps(header).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    return b"".join([struct.pack("<Q", len(js)), js] + blobs)


def write_safetensors(path, arrays, metadata=None):
    with open(path, "wb") as f:
        f.write(serialize_safetensors(arrays, metadata))


def read_state_dict(path):
    arrays, _ = read_safetensors(path)
    return {k: torch.from_numpy(v) for k, v in arrays.items()}


def state_dict_arrays(state_dict, prefix=""):
    return {prefix + k: v.detach().cpu().numpy() for k, v in state_dict.items()}


def write_state_dict(path, state_dict, metadata=None, prefix=""):
    write_safetensors(path, state_dict_arrays(state_dict, prefix), metadata)


def strip_prefix(state_dict, prefix):
    return {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
