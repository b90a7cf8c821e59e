"""What core.py and nn.py share: float32 numbers as exact JSON, the tolerance check, atomic writes."""
import json
import os
import re
import tempfile

import numpy as np

# The TS tests compare with |gradlab - torch| <= max(RELATIVE_TOLERANCE * |torch|, ABSOLUTE_FLOOR).
RELATIVE_TOLERANCE = 1e-5
ABSOLUTE_FLOOR = 1e-6


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
