"""Writes test/fixtures/torch/activations.json: PyTorch's answers for core's
smooth activations (packages/core/src/ops-activations.ts), and reference values of erf.

Run by hand (never in CI), from the repository root:

    /usr/bin/python3 scripts/torch-fixtures/activations.py

Two sections:
  ops  one entry per case, as in core.json: float32 inputs, a fixed weight w,
       PyTorch's float32 output and its gradient of sum(output * w);
  erf  1,001 points of [-8, 8] with erf and erfc to 50 digits (mpmath), read
       as float64: the reference for core's port of fdlibm's erf.

To add an activation: one line in TORCH_OPS, its cases below, then rerun.
The same seed always gives the same file, byte for byte.
"""

import os

import mpmath
import numpy as np
import torch
import torch.nn.functional as F

from fixture_json import op_entry, write_json

SEED = 20261202
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "torch", "activations.json")
KINK_MARGIN = 1e-2  # ELU and SELU inputs stay this far from 0, where SELU's derivative jumps

torch.set_num_threads(1)
rng = np.random.RandomState(SEED)

# gradlab's op name -> the same function in PyTorch, with gradlab's defaults.
TORCH_OPS = {
    "elu": lambda x, args: F.elu(x, alpha=args.get("alpha", 1.0)),
    "selu": lambda x, args: F.selu(x),
    "gelu": lambda x, args: F.gelu(x),  # approximate='none': the exact erf form
    "silu": lambda x, args: F.silu(x),
    "softplus": lambda x, args: F.softplus(x),  # beta 1, threshold 20
}


def normal(shape, scale):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def uniform(shape, low, high):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def away_from_zero(values):
    values = np.where(np.abs(values) < KINK_MARGIN, np.sign(values + 1e-30) * (KINK_MARGIN + 0.05), values)
    return values.astype(np.float32)


op_entries = []


def case(name, op, array, args=None):
    array = np.asarray(array, dtype=np.float32)
    weight = normal(array.shape, 1.0)
    op_entries.append(op_entry(name, op, lambda inputs, a: TORCH_OPS[op](inputs[0], a), [array], args or {}, weight))


# Each op: ordinary inputs, and the negative tail where the function saturates.
case("elu [3,4]", "elu", away_from_zero(normal((3, 4), 3.0)))
case("elu [3,4] alpha 0.5", "elu", away_from_zero(normal((3, 4), 3.0)), {"alpha": 0.5})
case("elu [2,5] tail", "elu", away_from_zero(uniform((2, 5), -12.0, 2.0)))
case("selu [3,4]", "selu", away_from_zero(normal((3, 4), 3.0)))
case("selu [2,5] tail", "selu", away_from_zero(uniform((2, 5), -12.0, 2.0)))
case("gelu [3,4]", "gelu", normal((3, 4), 3.0))
case("gelu [2,5] tail", "gelu", uniform((2, 5), -7.0, 2.0))
case("silu [3,4]", "silu", normal((3, 4), 3.0))
case("silu [2,5] tail", "silu", uniform((2, 5), -12.0, 2.0))
case("softplus [3,4]", "softplus", normal((3, 4), 3.0))
case("softplus [2,5] tail and identity", "softplus", np.array([[-12, -6, -1, 0.5, 3], [10, 19.5, 20.5, 25, -30]], dtype=np.float32))

missing = set(TORCH_OPS) - {entry["op"] for entry in op_entries}
assert not missing, f"ops without a case: {sorted(missing)}"

mpmath.mp.dps = 50
erf_x = [-8 + 16 * i / 1000 for i in range(1001)]
erf_section = {
    "x": erf_x,
    "erf": [float(mpmath.erf(mpmath.mpf(x))) for x in erf_x],
    "erfc": [float(mpmath.erfc(mpmath.mpf(x))) for x in erf_x],
}

size = write_json(OUTPUT, {
    "generator": "scripts/torch-fixtures/activations.py",
    "torch": torch.__version__,
    "mpmath": mpmath.__version__,
    "seed": SEED,
    "ops": op_entries,
    "erf": erf_section,
})
print(f"wrote {os.path.relpath(OUTPUT)}: {len(op_entries)} op cases, {len(erf_x)} erf points, {size} bytes")
