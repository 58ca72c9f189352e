"""Safetensors files read and written by hand, from the format's definition.

The tests check the runtime against this independent reader and writer
rather than against the `safetensors` package: an 8-byte little-endian header
length, a JSON header giving each tensor's dtype, shape and data_offsets
(and an optional __metadata__ map of strings), then the data.

NumPy has no bfloat16: BF16 tensors are read widened (exactly) to float32.
"""

import json
import struct

import numpy as np

NAMES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
         np.dtype(np.float64): "F64", np.dtype(np.int32): "I32",
         np.dtype(np.int64): "I64"}
TYPES = {name: dtype for dtype, name in NAMES.items()}


def write_safetensors(path, tensors, metadata=None):
    """Writes a dict of name -> numpy array (F32 F16 F64 I32 I64)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, array in tensors.items():
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"))
        blob = data.tobytes()
        header[name] = {"dtype": NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    """Returns (dict of name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        if entry["dtype"] == "BF16":
            bits = np.frombuffer(data[begin:end], dtype=np.dtype("<u2"))
            array = (bits.astype(np.uint32) << 16).view(np.float32)
        else:
            dtype = np.dtype(TYPES[entry["dtype"]]).newbyteorder("<")
            array = np.frombuffer(data[begin:end], dtype=dtype)
        tensors[name] = array.reshape(entry["shape"])
    return tensors, metadata
