"""gradlab checkpoints and Python, both ways: writes test/fixtures/torch/checkpoints-python.json.

1. gradlab -> Python. gradlab (packages/nn/dist, so build first) saves a small
   MLP to a .safetensors file. This script reads it with the numpy-only reader
   of docs/checkpoints.md and with the `safetensors` package, loads it into a PyTorch nn.Sequential, and records the tensors it
   read and PyTorch's outputs on a fixed input. test/nn/python-checkpoints.test.ts
   checks that gradlab still writes the very same bytes, that the tensors Python
   read are gradlab's, and that gradlab's outputs match PyTorch's.

2. PyTorch -> gradlab. A PyTorch nn.Sequential is saved for gradlab with the
   numpy-only writer of docs/checkpoints.md and with
   `safetensors.numpy.save_file`. The files (base64), the input and PyTorch's
   outputs go into the fixture; the test loads each file into gradlab's `mlp` and
   compares the outputs.

The functions between the `# --- docs:` markers are the code docs/checkpoints.md
shows; the test checks that the two stay the same. Python warnings are errors
here, so a reader that handed out read-only arrays (PyTorch warns about them)
would stop the script.

Run from the repository root after `npx -y pnpm@12.4.2 run build`:
    /usr/bin/python3 scripts/torch-fixtures/checkpoints.py
With the safetensors package outside the system site-packages (it is not in
Debian 12), e.g. `pip install --target /tmp/st safetensors`:
    PYTHONPATH=/tmp/st /usr/bin/python3 scripts/torch-fixtures/checkpoints.py
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch

from fixture_json import tensor_json, worst_disagreement, write_json

warnings.simplefilter("error")
torch.set_num_threads(1)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUTPUT = os.path.join(ROOT, "test", "fixtures", "torch", "checkpoints-python.json")
SIZES = [4, 8, 8, 3]
NEGATIVE_SLOPE = 0.01
SEED = 20261202

try:
    import safetensors
    import safetensors.numpy
except ImportError:
    sys.exit("checkpoints.py: the safetensors package is not importable, and the fixture needs it for both directions; "
             "pip install --target /tmp/st safetensors, then run with PYTHONPATH=/tmp/st")


# --- docs: read ---
import json, struct
import numpy as np

def load_safetensors(path):
    """Reads a .safetensors file: ({name: float32 array}, {metadata key: string})."""
    with open(path, "rb") as f:
        (header_length,) = struct.unpack("<Q", f.read(8))   # u64, little-endian
        header = json.loads(f.read(header_length))
        data = bytearray(f.read())   # writable, unlike bytes: PyTorch warns about read-only arrays
    metadata = header.pop("__metadata__", {})
    tensors = {name: np.frombuffer(data[info["data_offsets"][0]:info["data_offsets"][1]], dtype="<f4")
                       .reshape(info["shape"])
               for name, info in header.items()}
    return tensors, metadata
# --- docs: end ---


# --- docs: write ---
import json, struct
import numpy as np

def save_safetensors(tensors, metadata, path):
    """Writes {name: array} as float32 safetensors, with string metadata, the way gradlab reads them."""
    header, offset = {"__metadata__": metadata}, 0
    arrays = {name: np.ascontiguousarray(value, dtype="<f4") for name, value in tensors.items()}
    for name, array in arrays.items():
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    header_bytes = json.dumps(header).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)           # pad the header to a multiple of 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)) + header_bytes)
        for array in arrays.values():
            f.write(array.tobytes())
# --- docs: end ---


# --- docs: from-torch ---
def gradlab_state(model):
    """A torch nn.Sequential of Linear and activation layers as gradlab's mlp names and lays out its parameters."""
    state = {}
    for index, layer in enumerate(model):
        if isinstance(layer, torch.nn.Linear):
            # gradlab's Dense computes x @ W + b with W [in, out]; nn.Linear keeps weight [out, in].
            state[f"layers.{index}.weight"] = layer.weight.detach().numpy().T
            state[f"layers.{index}.bias"] = layer.bias.detach().numpy()
    return state
# --- docs: end ---


# --- docs: to-torch ---
def torch_sequential(tensors, activation):
    """gradlab mlp tensors (layers.0.weight, ...) as a torch nn.Sequential: Linear, activation, ..., Linear."""
    indices = sorted(int(name.split(".")[1]) for name in tensors if name.endswith(".weight"))
    layers = []
    for position, index in enumerate(indices):
        weight, bias = tensors[f"layers.{index}.weight"], tensors[f"layers.{index}.bias"]
        linear = torch.nn.Linear(weight.shape[0], weight.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight.T))
            linear.bias.copy_(torch.from_numpy(bias))
        layers.append(linear)
        if position < len(indices) - 1:
            layers.append(activation())
    return torch.nn.Sequential(*layers)
# --- docs: end ---


def gradlab_writes(path):
    """Has gradlab (the built packages/nn) save its MLP to `path`; returns its architecture."""
    script = f"""
      import {{ Generator }} from '@gradlab/core';
      import {{ mlp, save }} from '@gradlab/nn';
      const model = mlp({{ inputs: {SIZES[0]}, hidden: {SIZES[1:-1]}, outputs: {SIZES[-1]}, activation: 'leaky-relu',
        negativeSlope: {NEGATIVE_SLOPE}, biasInit: 0.1, generator: new Generator('checkpoints-python') }});
      save(model, {json.dumps(path)}, {{ note: 'written by gradlab for scripts/torch-fixtures/checkpoints.py' }});
      console.log(JSON.stringify({{ architecture: model.toString() }}));
    """
    result = subprocess.run(["node", "--input-type=module", "-e", script], cwd=os.path.join(ROOT, "packages", "nn"),
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def forward_float64(tensors, x):
    """The same MLP in float64 numpy, to check PyTorch's float32 outputs against."""
    indices = sorted(int(name.split(".")[1]) for name in tensors if name.endswith(".weight"))
    h = np.asarray(x, dtype=np.float64)
    for position, index in enumerate(indices):
        h = h @ tensors[f"layers.{index}.weight"].astype(np.float64) + tensors[f"layers.{index}.bias"].astype(np.float64)
        if position < len(indices) - 1:
            h = np.where(h >= 0, h, NEGATIVE_SLOPE * h)
    return h


generator = np.random.default_rng(SEED)
INPUT = generator.standard_normal((5, SIZES[0])).astype(np.float32)
leaky_relu = lambda: torch.nn.LeakyReLU(NEGATIVE_SLOPE)

with tempfile.TemporaryDirectory() as folder:
    # 1. gradlab -> Python
    gradlab_path = os.path.join(folder, "gradlab.safetensors")
    written = gradlab_writes(gradlab_path)
    with open(gradlab_path, "rb") as f:
        gradlab_file = f.read()
    tensors, metadata = load_safetensors(gradlab_path)
    assert all(array.flags.writeable for array in tensors.values())
    model = torch_sequential(tensors, leaky_relu)
    torch_output = model(torch.from_numpy(INPUT)).detach().numpy()
    assert worst_disagreement(torch_output, forward_float64(tensors, INPUT)) <= 0.25
    packaged = safetensors.numpy.load_file(gradlab_path)
    assert packaged.keys() == tensors.keys() and all(np.array_equal(packaged[name], tensors[name]) for name in tensors)
    with safetensors.safe_open(gradlab_path, framework="np") as f:
        assert f.metadata() == metadata
    read_with_package = sorted(packaged)
    assert np.array_equal(torch_sequential(packaged, leaky_relu)(torch.from_numpy(INPUT)).detach().numpy(), torch_output)

    # 2. PyTorch -> gradlab
    torch.manual_seed(SEED)
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 8), leaky_relu(), torch.nn.Linear(8, 8), leaky_relu(), torch.nn.Linear(8, 3))
    state = gradlab_state(torch_model)
    architecture = written["architecture"]   # what gradlab's mlp of these sizes calls itself
    from_torch_metadata = {"format": "gradlab", "architecture": architecture, "written by": "PyTorch, scripts/torch-fixtures/checkpoints.py"}
    numpy_path = os.path.join(folder, "from-torch.safetensors")
    save_safetensors(state, from_torch_metadata, numpy_path)
    with open(numpy_path, "rb") as f:
        numpy_file = f.read()
    reread, reread_metadata = load_safetensors(numpy_path)
    assert reread_metadata == from_torch_metadata and all(np.array_equal(reread[name], state[name]) for name in state)
    from_torch_output = torch_model(torch.from_numpy(INPUT)).detach().numpy()
    assert worst_disagreement(from_torch_output, forward_float64(state, INPUT)) <= 0.25
    package_path = os.path.join(folder, "from-torch-package.safetensors")
    # One metadata entry: safetensors keeps metadata in a Rust HashMap, so several come out in a different order every run.
    safetensors.numpy.save_file({name: np.ascontiguousarray(value) for name, value in state.items()}, package_path,
                                metadata={"architecture": architecture})
    with open(package_path, "rb") as f:
        package_file = f.read()

content = {
    "about": "gradlab checkpoints read in Python and written from PyTorch (scripts/torch-fixtures/checkpoints.py, "
             "checked by test/nn/python-checkpoints.test.ts). Do not edit by hand; rerun the script.",
    "torchVersion": torch.__version__,
    "numpyVersion": np.__version__,
    "safetensorsVersion": safetensors.__version__,
    "sizes": SIZES,
    "negativeSlope": NEGATIVE_SLOPE,
    "input": tensor_json(INPUT),
    "gradlabToPython": {
        "fileBase64": base64.b64encode(gradlab_file).decode("ascii"),
        "metadata": metadata,
        "tensors": {name: tensor_json(value) for name, value in tensors.items()},
        "readWithSafetensorsPackage": read_with_package,
        "torchOutput": tensor_json(torch_output),
    },
    "torchToGradlab": {
        "architecture": architecture,
        "numpyWriterFileBase64": base64.b64encode(numpy_file).decode("ascii"),
        "safetensorsPackageFileBase64": base64.b64encode(package_file).decode("ascii"),
        "torchOutput": tensor_json(from_torch_output),
    },
}
size = write_json(OUTPUT, content)
print(f"wrote {os.path.relpath(OUTPUT)}: a {len(gradlab_file)}-byte gradlab file; from PyTorch, {len(numpy_file)} bytes "
      f"(numpy writer) and {len(package_file)} bytes (safetensors.numpy.save_file); {size} bytes")
