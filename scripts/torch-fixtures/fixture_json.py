"""What the fixture scripts share: float32 numbers as exact JSON, the float32-vs-float64
self-check, one op case run in PyTorch, atomic writes."""
import json
import os
import re
import sys
import tempfile

import numpy as np
import torch

# The TS tests compare with |gradlab - torch| <= max(RELATIVE_TOLERANCE * |torch|, ABSOLUTE_FLOOR).
RELATIVE_TOLERANCE = 1e-5
ABSOLUTE_FLOOR = 1e-6

# A fixture is only useful if PyTorch's float32 answer is itself accurate to well within the
# tolerance the TypeScript test uses, so every float32 result is checked against float64 first.
SELF_CHECK_FRACTION = 0.25  # float32 vs float64 must agree to a quarter of the test's tolerance


def float32_list(array):
    """Flat list of the shortest decimals that read back as the same float32."""
    flat = np.asarray(array, dtype=np.float32).reshape(-1)
    assert np.all(np.isfinite(flat)), "non-finite value in a fixture"
    # str() of a numpy float32 is the shortest decimal that round-trips to that float32.
    values = [float(str(value)) for value in flat]
    assert np.array_equal(np.array(values, dtype=np.float32), flat), "a decimal did not round-trip to float32"
    return values


def tensor_json(array):
    array = np.asarray(array, dtype=np.float32)
    return {"shape": list(array.shape), "data": float32_list(array)}


def worst_disagreement(float32_result, float64_result):
    """Largest |a - b| / max(rtol |b|, floor); <= 1 means within the test's tolerance."""
    a = np.asarray(float32_result, dtype=np.float64).reshape(-1)
    b = np.asarray(float64_result, dtype=np.float64).reshape(-1)
    if a.size == 0:
        return 0.0
    allowed = np.maximum(RELATIVE_TOLERANCE * np.abs(b), ABSOLUTE_FLOOR)
    return float(np.max(np.abs(a - b) / allowed))


def check_float32(name, pairs, fraction=SELF_CHECK_FRACTION):
    """Stops the script when any (float32, float64) pair disagrees by more than `fraction` of the tolerance."""
    worst = max((worst_disagreement(a, b) for a, b in pairs), default=0.0)
    if worst > fraction:
        sys.exit(f"{name}: PyTorch float32 and float64 disagree ({worst:.3f} of the tolerance); pick better-conditioned inputs")


def run_op(function, arrays, args, weight, dtype):
    """`function(tensors, args)` on `arrays` in `dtype`: (output, [gradient of sum(output * weight)
    with respect to each input]) as numpy arrays."""
    inputs = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    output = function(inputs, args)
    assert list(output.shape) == list(weight.shape), f"weight shape {weight.shape} != output {tuple(output.shape)}"
    output.backward(torch.tensor(weight, dtype=dtype))
    return output.detach().numpy(), [t.grad.detach().numpy() for t in inputs]


def op_entry(name, op, function, arrays, args, weight):
    """One op case, run in float32 and float64 and self-checked, as the fixture entry
    {name, op, args, inputs, weight, output, grads} (see run_op)."""
    output32, grads32 = run_op(function, arrays, args, weight, torch.float32)
    output64, grads64 = run_op(function, arrays, args, weight, torch.float64)
    check_float32(name, [(output32, output64)] + list(zip(grads32, grads64)))
    return {
        "name": name,
        "op": op,
        "args": args,
        "inputs": [tensor_json(a) for a in arrays],
        "weight": tensor_json(weight),
        "output": tensor_json(output32),
        "grads": [tensor_json(g) for g in grads32],
    }


def write_json(path, content):
    """Writes `content` atomically, each list of numbers on one line so diffs stay small; returns the size."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = json.dumps(content, indent=1, allow_nan=False) + "\n"
    text = re.sub(r"\[\s*(-?[0-9][^\[\]{}\"]*?)\s*\]", lambda match: "[" + re.sub(r",\s+", ", ", match.group(1)) + "]", text)
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix="." + os.path.basename(path) + ".")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
    return len(text)
