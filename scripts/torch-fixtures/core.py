"""Writes test/fixtures/torch/core.json: PyTorch's answers for @gradlab/core.

Run by hand (never in CI), from the repository root:

    /usr/bin/python3 scripts/torch-fixtures/core.py

For every case the JSON holds everything the TypeScript test needs: the
float32 inputs, the op's arguments, a fixed weight tensor w, PyTorch's output,
and PyTorch's gradient of sum(output * w) with respect to each input. The test
never has to reproduce a Python random number generator.

Three sections:
  ops    one entry per op and shape case, at points away from kinks;
  kinks  the derivative conventions at kinks (relu, leakyRelu and abs at 0,
         max with ties), with PyTorch's gradient and gradlab's convention side
         by side where they differ;
  mlp    a 6 -> 16 -> 16 -> 4 ReLU network with log-softmax and mean NLL loss
         on a batch of 8: parameters, loss and every parameter gradient.

The same seed always gives the same file, byte for byte.
"""

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from fixture_json import ABSOLUTE_FLOOR, RELATIVE_TOLERANCE, check_float32, float32_list, op_entry, run_op, tensor_json, write_json

SEED = 20240607
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "torch", "core.json")

# Inputs of relu, leakyRelu and abs stay at least this far from the kink at 0.
KINK_MARGIN = 1e-2

torch.set_num_threads(1)  # one thread: the same reduction order on every run
rng = np.random.RandomState(SEED)


# ---------------------------------------------------------------------------
# Input builders (all float32)
# ---------------------------------------------------------------------------

def normal(shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def uniform(shape, low, high):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def away_from_zero(shape, scale=1.0, margin=KINK_MARGIN):
    """Normal values, each pushed out of (-margin, margin) so no kink is near."""
    values = rng.standard_normal(shape) * scale
    values = np.where(np.abs(values) < margin, np.sign(values + 1e-30) * (margin + np.abs(values) + 0.05), values)
    values = values.astype(np.float32)
    assert np.all(np.abs(values) >= margin)
    return values


def signed_between(shape, low, high):
    """Magnitudes in [low, high) with random signs: safe denominators."""
    magnitude = rng.uniform(low, high, size=shape)
    sign = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    return (magnitude * sign).astype(np.float32)


# ---------------------------------------------------------------------------
# The ops, in PyTorch, with gradlab's argument names
# ---------------------------------------------------------------------------

def _axes(args):
    axes = args.get("axes")
    return None if axes is None else tuple(axes) if isinstance(axes, list) else (axes,)


def _reduce(torch_fn):
    def reduce(x, args):
        axes = _axes(args)
        keep = args.get("keepDims", False)
        # No axes means every axis, as in gradlab.
        return torch_fn(x, dim=tuple(range(x.dim())) if axes is None else axes, keepdim=keep)
    return reduce


TORCH_OPS = {
    "add": lambda inputs, args: inputs[0] + inputs[1],
    "sub": lambda inputs, args: inputs[0] - inputs[1],
    "mul": lambda inputs, args: inputs[0] * inputs[1],
    "div": lambda inputs, args: inputs[0] / inputs[1],
    "neg": lambda inputs, args: -inputs[0],
    "pow": lambda inputs, args: torch.pow(inputs[0], args["exponent"]),
    "exp": lambda inputs, args: torch.exp(inputs[0]),
    "log": lambda inputs, args: torch.log(inputs[0]),
    "sqrt": lambda inputs, args: torch.sqrt(inputs[0]),
    "abs": lambda inputs, args: torch.abs(inputs[0]),
    "relu": lambda inputs, args: torch.relu(inputs[0]),
    "leakyRelu": lambda inputs, args: F.leaky_relu(inputs[0], args.get("negativeSlope", 0.01)),
    "sigmoid": lambda inputs, args: torch.sigmoid(inputs[0]),
    "tanh": lambda inputs, args: torch.tanh(inputs[0]),
    "sum": lambda inputs, args: _reduce(torch.sum)(inputs[0], args),
    "mean": lambda inputs, args: _reduce(torch.mean)(inputs[0], args),
    # amax, not max: torch.max reduces one dim only. Inputs have no ties here,
    # so amax's even split of the gradient among ties never comes into play.
    "max": lambda inputs, args: _reduce(torch.amax)(inputs[0], args),
    "matmul": lambda inputs, args: torch.matmul(inputs[0], inputs[1]),
    "reshape": lambda inputs, args: torch.reshape(inputs[0], args["shape"]),
    "transpose": lambda inputs, args: torch.transpose(inputs[0], args.get("dim0", -2), args.get("dim1", -1)),
    "softmax": lambda inputs, args: torch.softmax(inputs[0], args.get("axis", -1)),
    "logSoftmax": lambda inputs, args: torch.log_softmax(inputs[0], args.get("axis", -1)),
}


# ---------------------------------------------------------------------------
# Serialisation
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------

op_entries = []


def case(name, op, arrays, args=None):
    args = args or {}
    arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
    probe = TORCH_OPS[op]([torch.tensor(a) for a in arrays], args)
    op_entries.append(op_entry(name, op, TORCH_OPS[op], arrays, args, normal(tuple(probe.shape))))


# Elementwise binary ops, with NumPy broadcasting.
case("add [3,4] + [3,4]", "add", [normal((3, 4)), normal((3, 4))])
case("add [3,1,4] + [5,4]", "add", [normal((3, 1, 4)), normal((5, 4))])
case("add [2,3] + scalar []", "add", [normal((2, 3)), normal(())])
case("sub [3,1,4] - [5,4]", "sub", [normal((3, 1, 4)), normal((5, 4))])
case("sub [4] - [2,3,4]", "sub", [normal((4,)), normal((2, 3, 4))])
case("mul [2,3] * [2,3]", "mul", [normal((2, 3)), normal((2, 3))])
case("mul [2,1,3] * [4,1]", "mul", [normal((2, 1, 3)), normal((4, 1))])
case("div [3,4] / [3,4]", "div", [normal((3, 4)), signed_between((3, 4), 0.5, 2.0)])
case("div [3,1,4] / [5,4]", "div", [normal((3, 1, 4)), signed_between((5, 4), 0.5, 2.0)])
case("div [2,3] / scalar []", "div", [normal((2, 3)), signed_between((), 0.5, 2.0)])

# Elementwise unary ops.
case("neg [2,3]", "neg", [normal((2, 3))])
case("pow [3,4] ^ 2", "pow", [normal((3, 4))], {"exponent": 2})
case("pow [3,4] ^ 3", "pow", [normal((3, 4))], {"exponent": 3})
case("pow [3,4] ^ 0.5 (positive)", "pow", [uniform((3, 4), 0.2, 3.0)], {"exponent": 0.5})
case("pow [3,4] ^ -1.5 (positive)", "pow", [uniform((3, 4), 0.5, 3.0)], {"exponent": -1.5})
case("pow [3,4] ^ 2.5 (positive)", "pow", [uniform((3, 4), 0.2, 3.0)], {"exponent": 2.5})
case("exp [3,4]", "exp", [normal((3, 4), 2.0)])
case("log [3,4] (positive)", "log", [uniform((3, 4), 0.1, 10.0)])
case("sqrt [3,4] (positive)", "sqrt", [uniform((3, 4), 0.1, 10.0)])
case("abs [3,4] (away from 0)", "abs", [away_from_zero((3, 4))])
case("relu [3,4] (away from 0)", "relu", [away_from_zero((3, 4))])
case("leakyRelu [3,4] slope 0.01 (away from 0)", "leakyRelu", [away_from_zero((3, 4))], {"negativeSlope": 0.01})
case("leakyRelu [3,4] slope 0.2 (away from 0)", "leakyRelu", [away_from_zero((3, 4))], {"negativeSlope": 0.2})
case("sigmoid [3,4]", "sigmoid", [normal((3, 4), 3.0)])
case("tanh [3,4]", "tanh", [normal((3, 4), 2.0)])

# Reductions: all elements, one axis, several axes, negative axes, keepDims both ways.
for op in ["sum", "mean", "max"]:
    case(f"{op} [3,4,5] all", op, [normal((3, 4, 5))], {})
    case(f"{op} [3,4,5] all keepDims", op, [normal((3, 4, 5))], {"keepDims": True})
    case(f"{op} [3,4,5] axis 0", op, [normal((3, 4, 5))], {"axes": 0})
    case(f"{op} [3,4,5] axis 1 keepDims", op, [normal((3, 4, 5))], {"axes": 1, "keepDims": True})
    case(f"{op} [3,4,5] axis -1", op, [normal((3, 4, 5))], {"axes": -1})
    case(f"{op} [3,4,5] axes [0,2]", op, [normal((3, 4, 5))], {"axes": [0, 2]})
    case(f"{op} [3,4,5] axes [0,2] keepDims", op, [normal((3, 4, 5))], {"axes": [0, 2], "keepDims": True})
    case(f"{op} [3,4,5] axes [-1,-2] keepDims", op, [normal((3, 4, 5))], {"axes": [-1, -2], "keepDims": True})

# Matrix products: 2-D, batched, and batch dimensions that broadcast.
case("matmul [4,3] x [3,5]", "matmul", [normal((4, 3)), normal((3, 5))])
case("matmul [7,9] x [9,6]", "matmul", [normal((7, 9)), normal((9, 6))])
case("matmul [5,3,4] x [5,4,2]", "matmul", [normal((5, 3, 4)), normal((5, 4, 2))])
case("matmul [2,4,3] x [3,5] (batch broadcast)", "matmul", [normal((2, 4, 3)), normal((3, 5))])
case("matmul [4,3] x [2,3,5] (batch broadcast)", "matmul", [normal((4, 3)), normal((2, 3, 5))])
case("matmul [2,1,4,3] x [3,3,2] (batch broadcast)", "matmul", [normal((2, 1, 4, 3)), normal((3, 3, 2))])

# Shape ops.
case("reshape [2,3,4] -> [6,4]", "reshape", [normal((2, 3, 4))], {"shape": [6, 4]})
case("reshape [2,3,4] -> [4,-1]", "reshape", [normal((2, 3, 4))], {"shape": [4, -1]})
case("reshape [6] -> [1,2,3]", "reshape", [normal((6,))], {"shape": [1, 2, 3]})
case("transpose [3,4] default (last two)", "transpose", [normal((3, 4))], {})
case("transpose [2,3,4] dims 0,2", "transpose", [normal((2, 3, 4))], {"dim0": 0, "dim1": 2})
case("transpose [2,3,4] dims -1,-3", "transpose", [normal((2, 3, 4))], {"dim0": -1, "dim1": -3})
case("transpose [2,3,4,5] dims 1,2", "transpose", [normal((2, 3, 4, 5))], {"dim0": 1, "dim1": 2})

# Softmax and log-softmax, along the first and the last axis, and at logits of +-1e4.
huge_logits = np.array([[1e4, -1e4, 0.0, 9999.0], [-1e4, -9998.0, -9999.0, -1e4], [1e4, 1e4, -1e4, 1e4]], dtype=np.float32)
case("softmax [3,5] axis -1", "softmax", [normal((3, 5), 2.0)], {"axis": -1})
case("softmax [3,5] axis 0", "softmax", [normal((3, 5), 2.0)], {"axis": 0})
case("softmax [2,3,4] axis 1", "softmax", [normal((2, 3, 4), 2.0)], {"axis": 1})
case("softmax [3,4] logits +-1e4 axis -1", "softmax", [huge_logits], {"axis": -1})
case("logSoftmax [3,5] axis -1", "logSoftmax", [normal((3, 5), 2.0)], {"axis": -1})
case("logSoftmax [3,5] axis 0", "logSoftmax", [normal((3, 5), 2.0)], {"axis": 0})
case("logSoftmax [2,3,4] axis 1", "logSoftmax", [normal((2, 3, 4), 2.0)], {"axis": 1})
case("logSoftmax [3,4] logits +-1e4 axis -1", "logSoftmax", [huge_logits], {"axis": -1})
case("logSoftmax [3,4] logits +-1e4 axis 0", "logSoftmax", [huge_logits], {"axis": 0})

missing = set(TORCH_OPS) - {entry["op"] for entry in op_entries}
assert not missing, f"ops without a case: {sorted(missing)}"


# ---------------------------------------------------------------------------
# Kinks: what the derivative is where the function is not differentiable
# ---------------------------------------------------------------------------

def kink(name, op, values, args, gradlab_grad, note):
    """`values` include the kink; the weight is all ones, so grad = d out/d x elementwise."""
    values = np.asarray(values, dtype=np.float32)
    probe = TORCH_OPS[op]([torch.tensor(values)], args)
    weight = np.ones(tuple(probe.shape), dtype=np.float32)
    output, (torch_grad,) = run_op(TORCH_OPS[op], [values], args, weight, torch.float32)
    gradlab_grad = np.asarray(gradlab_grad, dtype=np.float32).reshape(values.shape)
    return {
        "name": name,
        "op": op,
        "args": args,
        "inputs": [tensor_json(values)],
        "weight": tensor_json(weight),
        "output": tensor_json(output),
        "torchGrad": tensor_json(torch_grad),
        # gradlab's stated convention; the TypeScript test asserts this one.
        "gradlabGrad": tensor_json(gradlab_grad),
        "agrees": bool(np.array_equal(torch_grad, gradlab_grad)),
        "note": note,
    }


kink_entries = [
    kink("relu at 0", "relu", [-1.0, 0.0, 1.0], {}, [0.0, 0.0, 1.0],
         "relu'(0) = 0 in gradlab, PyTorch and TensorFlow.js."),
    kink("leakyRelu at 0, slope 0.01", "leakyRelu", [-2.0, -1.0, 0.0, 1.0, 2.0], {"negativeSlope": 0.01},
         [0.01, 0.01, 1.0, 1.0, 1.0],
         "gradlab follows the spec: derivative 1 for x >= 0, so 1 at 0. PyTorch's leaky_relu backward uses "
         "x > 0 and gives negative_slope (0.01) at 0."),
    kink("leakyRelu at 0, slope 0.2", "leakyRelu", [-1.0, 0.0, 1.0], {"negativeSlope": 0.2}, [0.2, 1.0, 1.0],
         "As above: gradlab 1 at 0 (spec), PyTorch negative_slope (0.2)."),
    kink("abs at 0", "abs", [-1.5, 0.0, 1.5], {}, [-1.0, 0.0, 1.0],
         "abs'(0) = sign(0) = 0 in gradlab and PyTorch."),
    kink("max over all with a tie", "max", [1.0, 3.0, 3.0, -2.0], {}, [0.0, 1.0, 0.0, 0.0],
         "gradlab sends the gradient to the first maximal element; PyTorch's max()/amax split it evenly among ties."),
    kink("max over axis 1 with ties", "max", [[1.0, 3.0, 3.0], [5.0, 5.0, 5.0]], {"axes": 1},
         [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
         "gradlab: first maximal element; PyTorch's amax splits evenly among ties."),
]


# ---------------------------------------------------------------------------
# A 3-layer MLP: 6 -> 16 -> 16 -> 4, ReLU, log-softmax, mean NLL over 8 examples
# ---------------------------------------------------------------------------

def build_mlp():
    torch.manual_seed(SEED)
    sizes = [6, 16, 16, 4]
    layers = [torch.nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
    inputs = torch.tensor(normal((8, sizes[0]), 1.5))
    labels = torch.tensor(rng.randint(0, sizes[-1], size=8), dtype=torch.long)

    def forward(dtype):
        x = inputs.to(dtype)
        hidden = []
        for index, layer in enumerate(layers):
            weight = layer.weight.detach().to(dtype).requires_grad_(True)
            bias = layer.bias.detach().to(dtype).requires_grad_(True)
            hidden.append((weight, bias))
            x = F.linear(x, weight, bias)
            if index < len(layers) - 1:
                # No pre-activation near the ReLU kink, where float rounding could flip a unit.
                assert x.detach().abs().min() > 1e-3, f"layer {index}: a pre-activation is within 1e-3 of 0"
                x = torch.relu(x)
        loss = F.nll_loss(F.log_softmax(x, dim=1), labels, reduction="mean")
        loss.backward()
        return loss.detach().numpy(), hidden

    loss32, params32 = forward(torch.float32)
    loss64, params64 = forward(torch.float64)
    check_float32("mlp", [(loss32, loss64)] + [pair for (w32, b32), (w64, b64) in zip(params32, params64)
                                               for pair in [(w32.grad, w64.grad), (b32.grad, b64.grad)]])

    # gradlab's layout: weight [inFeatures, outFeatures], y = x W + b, the transpose of nn.Linear's weight.
    layer_json = []
    for (weight, bias) in params32:
        layer_json.append({
            "weight": tensor_json(weight.detach().numpy().T),
            "bias": tensor_json(bias.detach().numpy()),
            "weightGrad": tensor_json(weight.grad.numpy().T),
            "biasGrad": tensor_json(bias.grad.numpy()),
        })
    return {
        "description": "6 -> 16 -> 16 -> 4 MLP: relu(x W1 + b1), relu(h1 W2 + b2), logits = h2 W3 + b3; "
                       "loss = mean over the batch of -logSoftmax(logits)[label]. Weights are [in, out].",
        "sizes": sizes,
        "inputs": tensor_json(inputs.numpy()),
        "labels": [int(label) for label in labels],
        "layers": layer_json,
        "loss": float32_list(loss32)[0],
    }


mlp = build_mlp()


# ---------------------------------------------------------------------------
# Write atomically
# ---------------------------------------------------------------------------

fixture = {
    "about": "PyTorch reference values for @gradlab/core, written by scripts/torch-fixtures/core.py. "
             "Each op entry: float32 inputs, args, weight w, output, and the gradients of sum(output * w) "
             "with respect to each input. Do not edit by hand; rerun the script.",
    "torchVersion": torch.__version__.split("+")[0],
    "numpyVersion": np.__version__,
    "seed": SEED,
    "tolerance": {"relative": RELATIVE_TOLERANCE, "absoluteFloor": ABSOLUTE_FLOOR},
    "ops": op_entries,
    "kinks": kink_entries,
    "mlp": mlp,
}

size = write_json(OUTPUT, fixture)
print(f"wrote {os.path.relpath(OUTPUT)}: {len(op_entries)} op cases, {len(kink_entries)} kink cases, "
      f"mlp loss {mlp['loss']}, {size} bytes")
