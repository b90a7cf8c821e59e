"""Writes test/fixtures/torch/nn-optimizers.json: PyTorch's answers for @gradlab/nn's optimizers.

Run by hand (never in CI), from the repository root:

    /usr/bin/python3 scripts/torch-fixtures/nn.py

A 4 -> 8 -> 8 -> 3 ReLU MLP with fixed parameters and a fixed batch of 6
examples, trained with softmax cross-entropy (mean over the batch). The JSON
holds the exact float32 inputs, labels and initial parameters, so the
TypeScript test never has to reproduce a Python random number generator, and:

  initial     the logits, the loss and every parameter gradient;
  optimizers  for each optimizer configuration, the loss and the parameters
              after one and after two steps (each step recomputes the loss
              and gradients at the current parameters, as a training loop does).

Optimizer configurations (gradlab's option names in the JSON):
  sgd-momentum   SGD lr 0.1, momentum 0.9, nesterov false, weight decay 1e-4
  sgd-nesterov   SGD lr 0.1, momentum 0.9, nesterov true,  weight decay 1e-4
  adam           Adam lr 0.01, betas (0.9, 0.999), eps 1e-8, weight decay 0
  adam-l2        Adam lr 0.01, weight decay 0.01 added to the gradient (torch.optim.Adam)
  adamw          Adam lr 0.01, weight decay 0.01 decoupled (torch.optim.AdamW)

A second file, test/fixtures/torch/nn-safetensors.json, holds a .safetensors
file written by the reference `safetensors` Python package (base64) and the
tensors it contains, so the TypeScript test can check that gradlab reads what
the reference implementation writes. It is only rewritten when that package
is importable (e.g. PYTHONPATH pointing at a `pip install --target` of its
wheel); otherwise the committed file is left as it is.

Weights are stored in gradlab's layout [in, out]: the transpose of nn.Linear.weight.
Every float32 result is first checked against the same computation in float64;
the script refuses to write if they disagree by more than a quarter of the
test's tolerance. The same seed always gives the same file, byte for byte.
"""

import base64
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from fixture_json import ABSOLUTE_FLOOR, RELATIVE_TOLERANCE, float32_list, tensor_json, worst_disagreement, write_json

SEED = 20240611
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "torch", "nn-optimizers.json")
SELF_CHECK_FRACTION = 0.25
KINK_MARGIN = 1e-3  # no pre-activation this close to the ReLU kink, at any step
SIZES = [4, 8, 8, 3]
BATCH = 6
STEPS = 2

torch.set_num_threads(1)
rng = np.random.RandomState(SEED)

# Fixed parameters, drawn once here and written into the JSON (gradlab layout [in, out]).
initial_layers = []
for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
    weight = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    bias = (rng.standard_normal(fan_out) * 0.1).astype(np.float32)
    initial_layers.append((weight, bias))
inputs = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
labels = np.array([0, 1, 2, 2, 1, 0], dtype=np.int64)

CONFIGURATIONS = [
    ("sgd-momentum", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": False, "weightDecay": 1e-4},
     lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=False, weight_decay=1e-4)),
    ("sgd-nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weightDecay": 1e-4},
     lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("adam", "Adam", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weightDecay": 0, "decoupled": False},
     lambda params: torch.optim.Adam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)),
    ("adam-l2", "Adam", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weightDecay": 0.01, "decoupled": False},
     lambda params: torch.optim.Adam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)),
    ("adamw", "Adam", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weightDecay": 0.01, "decoupled": True},
     lambda params: torch.optim.AdamW(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)),
]


def make_params(dtype):
    """Leaf tensors in nn.Linear's layout (weight [out, in]), for F.linear."""
    params = []
    for weight, bias in initial_layers:
        params.append(torch.tensor(weight.T.copy(), dtype=dtype, requires_grad=True))
        params.append(torch.tensor(bias, dtype=dtype, requires_grad=True))
    return params


def loss_and_logits(params):
    x = torch.tensor(inputs, dtype=params[0].dtype)
    layer_count = len(params) // 2
    for index in range(layer_count):
        x = F.linear(x, params[2 * index], params[2 * index + 1])
        if index < layer_count - 1:
            closest = float(x.detach().abs().min())
            assert closest > KINK_MARGIN, f"layer {index}: a pre-activation is {closest} from the ReLU kink"
            x = torch.relu(x)
    return F.cross_entropy(x, torch.tensor(labels), reduction="mean"), x


def run(make_optimizer, dtype):
    """Losses before each step and the parameters after each step."""
    params = make_params(dtype)
    optimizer = make_optimizer(params)
    losses, snapshots = [], []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss, _ = loss_and_logits(params)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach().numpy().copy())
        snapshots.append([p.detach().numpy().copy() for p in params])
    return losses, snapshots


def layers_json(params):
    """Parameters in torch layout -> gradlab layout: weight [in, out], bias [out]."""
    return [{"weight": tensor_json(np.asarray(params[2 * i]).T), "bias": tensor_json(params[2 * i + 1])}
            for i in range(len(params) // 2)]


# ---------------------------------------------------------------------------
# Initial loss and gradients
# ---------------------------------------------------------------------------

def initial(dtype):
    params = make_params(dtype)
    loss, logits = loss_and_logits(params)
    loss.backward()
    return loss.detach().numpy(), logits.detach().numpy(), [p.grad.numpy().copy() for p in params]


loss32, logits32, grads32 = initial(torch.float32)
loss64, logits64, grads64 = initial(torch.float64)
worst = max([worst_disagreement(loss32, loss64), worst_disagreement(logits32, logits64)]
            + [worst_disagreement(a, b) for a, b in zip(grads32, grads64)])
if worst > SELF_CHECK_FRACTION:
    sys.exit(f"initial: PyTorch float32 and float64 disagree ({worst:.3f} of the tolerance)")

initial_json = {
    "layers": [{"weight": tensor_json(weight), "bias": tensor_json(bias)} for weight, bias in initial_layers],
    "logits": tensor_json(logits32),
    "loss": float32_list(loss32)[0],
    "grads": [{"weight": tensor_json(grads32[2 * i].T), "bias": tensor_json(grads32[2 * i + 1])}
              for i in range(len(grads32) // 2)],
}

# ---------------------------------------------------------------------------
# Optimizer steps
# ---------------------------------------------------------------------------

optimizer_entries = []
for name, optimizer, options, make_optimizer in CONFIGURATIONS:
    losses32, snapshots32 = run(make_optimizer, torch.float32)
    losses64, snapshots64 = run(make_optimizer, torch.float64)
    worst = max(worst_disagreement(a, b) for a, b in zip(losses32, losses64))
    for after32, after64 in zip(snapshots32, snapshots64):
        worst = max([worst] + [worst_disagreement(a, b) for a, b in zip(after32, after64)])
    if worst > SELF_CHECK_FRACTION:
        sys.exit(f"{name}: PyTorch float32 and float64 disagree ({worst:.3f} of the tolerance)")
    optimizer_entries.append({
        "name": name,
        "optimizer": optimizer,
        "options": options,
        "steps": [{"lossBefore": float32_list(loss)[0], "layersAfter": layers_json(after)}
                  for loss, after in zip(losses32, snapshots32)],
    })

fixture = {
    "about": "PyTorch reference values for @gradlab/nn's optimizers, written by scripts/torch-fixtures/nn.py. "
             "A 4-8-8-3 ReLU MLP, logits = relu(relu(x W1 + b1) W2 + b2) W3 + b3, loss = softmax cross-entropy "
             "averaged over the batch. Weights are [in, out]. Do not edit by hand; rerun the script.",
    "torchVersion": torch.__version__.split("+")[0],
    "numpyVersion": np.__version__,
    "seed": SEED,
    "tolerance": {"relative": RELATIVE_TOLERANCE, "absoluteFloor": ABSOLUTE_FLOOR},
    "sizes": SIZES,
    "inputs": tensor_json(inputs),
    "labels": [int(label) for label in labels],
    "initial": initial_json,
    "optimizers": optimizer_entries,
}


size = write_json(OUTPUT, fixture)
print(f"wrote {os.path.relpath(OUTPUT)}: initial loss {initial_json['loss']}, "
      f"{len(optimizer_entries)} optimizer configurations x {STEPS} steps, {size} bytes")

# ---------------------------------------------------------------------------
# A file written by the reference safetensors package
# ---------------------------------------------------------------------------

SAFETENSORS_OUTPUT = os.path.join(os.path.dirname(OUTPUT), "nn-safetensors.json")
try:
    import safetensors
    from safetensors.numpy import save
except ImportError:
    print(f"safetensors is not importable: left {os.path.relpath(SAFETENSORS_OUTPUT)} as it is")
    sys.exit(0)

reference_tensors = {
    "layers.0.weight": initial_layers[0][0],
    "layers.0.bias": initial_layers[0][1],
    "scalar": np.array(3.25, dtype=np.float32),
    "empty": np.zeros((0, 2), dtype=np.float32),
}
reference_metadata = {"written by": "safetensors.numpy.save", "format": "pt"}
encoded = save(reference_tensors, metadata=reference_metadata)
size = write_json(SAFETENSORS_OUTPUT, {
    "about": "A .safetensors file written by the reference safetensors package (scripts/torch-fixtures/nn.py), "
             "base64-encoded, with the tensors and metadata it holds. Do not edit by hand; rerun the script.",
    "safetensorsVersion": safetensors.__version__,
    "fileBase64": base64.b64encode(encoded).decode("ascii"),
    "metadata": reference_metadata,
    "tensors": {name: tensor_json(value) for name, value in reference_tensors.items()},
})
print(f"wrote {os.path.relpath(SAFETENSORS_OUTPUT)}: {len(encoded)}-byte file from safetensors {safetensors.__version__}, {size} bytes")
