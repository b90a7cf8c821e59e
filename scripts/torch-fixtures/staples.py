"""Writes test/fixtures/torch/staples.json: PyTorch's answers for the staples of issue 20.

Run by hand (never in CI), from the repository root:

    /usr/bin/python3 scripts/torch-fixtures/staples.py

Sections (every number float32, every input stored, so the TypeScript tests
never reproduce a Python random number generator):

  ops         the indexing and comparison ops (slice, indexSelect, gather,
              concat, stack, clamp, where, maximum, minimum, argmax, argmin):
              inputs, arguments, a fixed weight w, the output and the
              gradient of sum(w * output) for every differentiable input.
  batchnorm   BatchNorm1d(4, eps 1e-5, momentum 0.1) with a set weight and
              bias, trained on three batches: per step the output, the
              gradients of sum(w * output) for input, weight and bias, and
              the running mean / variance (unbiased) after the step; then an
              eval-mode output. A second run with momentum None (cumulative average).
  layernorm   LayerNorm(5) on a [3, 5] input: output and gradients.
  residual    x + Linear(ReLU(Linear(x))) with set weights: output, gradients.
  rmsprop     RMSprop configurations, parameters after each of three steps on
              loss = sum(c * (p - t)^2) (its gradient is 2 c (p - t)).
  schedulers  the learning rate after each of 12 epochs for StepLR,
              ExponentialLR, CosineAnnealingLR and LinearLR (warm-up).
  clipping    clip_grad_norm_ (returned total norm and the clipped gradients,
              max norm 1 and norm type 2) and clip_grad_value_.

Dropout has no fixture: its mask comes from a random generator, which
gradlab cannot share with PyTorch; test/nn/staples-layers.test.ts checks
its laws instead (scaling, eval identity, seeded masks).
"""

import os
import sys

import numpy as np
import torch

from fixture_json import check_float32 as check, float32_list, op_entry, tensor_json, write_json

SEED = 20261202
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "torch", "staples.json")

torch.set_num_threads(1)
rng = np.random.RandomState(SEED)


def normal(shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def distinct(shape):
    """Values whose pairwise gaps are at least 0.05: no ties for argmax, maximum, clamp."""
    count = int(np.prod(shape))
    values = (rng.permutation(count) * 0.1 - count * 0.05 + 0.025).astype(np.float32)
    return values.reshape(shape)


# Each op: (torch function of the tensors and args, index of the inputs that are differentiable).
TORCH_OPS = {
    "slice": lambda t, a: torch.narrow(t[0], a["axis"], a["start"], a["end"] - a["start"])[(slice(None),) * a["axis"] + (slice(None, None, a.get("step", 1)),)],
    "indexSelect": lambda t, a: torch.index_select(t[0], a["axis"], torch.tensor(a["indices"], dtype=torch.long)),
    "gather": lambda t, a: torch.gather(t[0], a["axis"], torch.tensor(a["index"], dtype=torch.long)),
    "concat": lambda t, a: torch.cat(t, a["axis"]),
    "stack": lambda t, a: torch.stack(t, a["axis"]),
    "clamp": lambda t, a: torch.clamp(t[0], a.get("min"), a.get("max")),
    "where": lambda t, a: torch.where(torch.tensor(a["condition"]) != 0, t[0], t[1]),
    "maximum": lambda t, a: torch.maximum(t[0], t[1]),
    "minimum": lambda t, a: torch.minimum(t[0], t[1]),
}


op_entries = []


def case(name, op, arrays, args):
    arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
    probe = TORCH_OPS[op]([torch.tensor(a) for a in arrays], args)
    op_entries.append(op_entry(name, op, TORCH_OPS[op], arrays, args, normal(tuple(probe.shape))))


case("slice [4,5] axis 1, 1:4", "slice", [normal((4, 5))], {"axis": 1, "start": 1, "end": 4})
case("slice [6,3] axis 0, 0:6:2", "slice", [normal((6, 3))], {"axis": 0, "start": 0, "end": 6, "step": 2})
case("slice [2,5,3] axis 1, 2:5", "slice", [normal((2, 5, 3))], {"axis": 1, "start": 2, "end": 5})
case("indexSelect [4,3] axis 0, [3,0,3]", "indexSelect", [normal((4, 3))], {"axis": 0, "indices": [3, 0, 3]})
case("indexSelect [2,4,2] axis 1, [1,2]", "indexSelect", [normal((2, 4, 2))], {"axis": 1, "indices": [1, 2]})
case("gather [3,5] axis 1 (class scores)", "gather", [normal((3, 5))], {"axis": 1, "index": [[4], [0], [2]]})
case("gather [3,4] axis 0, repeats", "gather", [normal((3, 4))], {"axis": 0, "index": [[2, 0, 1, 2], [2, 2, 0, 1]]})
case("concat [2,3] + [1,3] axis 0", "concat", [normal((2, 3)), normal((1, 3))], {"axis": 0})
case("concat [2,1,3] + [2,2,3] + [2,1,3] axis 1", "concat", [normal((2, 1, 3)), normal((2, 2, 3)), normal((2, 1, 3))], {"axis": 1})
case("stack 3 x [2,3] axis 0", "stack", [normal((2, 3)), normal((2, 3)), normal((2, 3))], {"axis": 0})
case("stack 2 x [2,3] axis 2", "stack", [normal((2, 3)), normal((2, 3))], {"axis": 2})
case("clamp [3,4] to [-0.5, 0.5]", "clamp", [distinct((3, 4))], {"min": -0.5, "max": 0.5})
case("clamp [5] min only", "clamp", [distinct((5,))], {"min": 0.0})
case("where [2,3], [2,3] and [3]", "where", [normal((2, 3)), normal((3,))], {"condition": [[1, 0, 1], [0, 0, 1]]})
case("maximum [3,4] and [4]", "maximum", [distinct((3, 4)), distinct((4,)) + 0.01], {})
case("minimum [2,3] and [2,3]", "minimum", [distinct((2, 3)), distinct((2, 3)) + 0.01], {})

argmax_input = distinct((3, 4))
arg_entries = {
    "input": tensor_json(argmax_input),
    "argmaxAxis1": [int(v) for v in torch.argmax(torch.tensor(argmax_input), 1)],
    "argmaxAxis0": [int(v) for v in torch.argmax(torch.tensor(argmax_input), 0)],
    "argminAxis1": [int(v) for v in torch.argmin(torch.tensor(argmax_input), 1)],
    "argmaxAll": int(torch.argmax(torch.tensor(argmax_input))),
}

# --- BatchNorm1d ------------------------------------------------------------


def batchnorm_run(momentum, dtype):
    torch.manual_seed(0)
    layer = torch.nn.BatchNorm1d(4, eps=1e-5, momentum=momentum).to(dtype)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(bn_weight, dtype=dtype))
        layer.bias.copy_(torch.tensor(bn_bias, dtype=dtype))
    steps = []
    for x_np, w_np in zip(bn_inputs, bn_weights):
        layer.train()
        layer.zero_grad()
        x = torch.tensor(x_np, dtype=dtype, requires_grad=True)
        out = layer(x)
        out.backward(torch.tensor(w_np, dtype=dtype))
        steps.append({
            "output": out.detach().numpy(), "inputGrad": x.grad.numpy(),
            "weightGrad": layer.weight.grad.numpy().copy(), "biasGrad": layer.bias.grad.numpy().copy(),
            "runningMean": layer.running_mean.numpy().copy(), "runningVar": layer.running_var.numpy().copy(),
        })
    layer.eval()
    evaluation = layer(torch.tensor(bn_eval_input, dtype=dtype)).detach().numpy()
    return steps, evaluation


bn_weight = normal((4,), 0.5) + 1
bn_bias = normal((4,), 0.5)
bn_inputs = [normal((6, 4), 1.5) + 1, normal((5, 4)) - 0.5, normal((6, 4), 0.8)]
bn_weights = [normal(x.shape) for x in bn_inputs]
bn_eval_input = normal((3, 4))
batchnorm_entries = []
for momentum in [0.1, None]:
    steps32, eval32 = batchnorm_run(momentum, torch.float32)
    steps64, eval64 = batchnorm_run(momentum, torch.float64)
    # The weight gradient sum(w * x_hat) cancels (x_hat has mean 0 per feature): PyTorch's own
    # float32 answer is 0.26 of the tolerance from float64 there, so this section allows half of it.
    check(f"batchnorm {momentum}", [(eval32, eval64)] + [(s[k], t[k]) for s, t in zip(steps32, steps64) for k in s], 0.5)
    batchnorm_entries.append({
        "momentum": momentum, "eps": 1e-5,
        "weight": tensor_json(bn_weight), "bias": tensor_json(bn_bias),
        "steps": [{"input": tensor_json(x), "outputWeight": tensor_json(w), **{k: tensor_json(v) for k, v in s.items()}}
                  for x, w, s in zip(bn_inputs, bn_weights, steps32)],
        "evalInput": tensor_json(bn_eval_input), "evalOutput": tensor_json(eval32),
    })

# --- LayerNorm ----------------------------------------------------------------

ln_input = normal((3, 5), 2)
ln_weight = normal((5,), 0.5) + 1
ln_bias = normal((5,), 0.5)
ln_out_weight = normal((3, 5))


def layernorm_run(dtype):
    layer = torch.nn.LayerNorm(5, eps=1e-5).to(dtype)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(ln_weight, dtype=dtype))
        layer.bias.copy_(torch.tensor(ln_bias, dtype=dtype))
    x = torch.tensor(ln_input, dtype=dtype, requires_grad=True)
    out = layer(x)
    out.backward(torch.tensor(ln_out_weight, dtype=dtype))
    return [out.detach().numpy(), x.grad.numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy()]


ln32 = layernorm_run(torch.float32)
check("layernorm", zip(ln32, layernorm_run(torch.float64)))
layernorm_entry = {
    "eps": 1e-5, "input": tensor_json(ln_input), "weight": tensor_json(ln_weight), "bias": tensor_json(ln_bias),
    "outputWeight": tensor_json(ln_out_weight),
    "output": tensor_json(ln32[0]), "inputGrad": tensor_json(ln32[1]), "weightGrad": tensor_json(ln32[2]), "biasGrad": tensor_json(ln32[3]),
}

# --- Residual block: x + W2 relu(x W1 + b1) + b2 (gradlab layout [in, out]) ---

res_input = normal((4, 3))
res_w1 = normal((3, 5), 0.8)
res_b1 = normal((5,), 0.3)
res_w2 = normal((5, 3), 0.8)
res_b2 = normal((3,), 0.3)
res_out_weight = normal((4, 3))


def residual_run(dtype):
    x, w1, b1, w2, b2 = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in [res_input, res_w1, res_b1, res_w2, res_b2]]
    hidden = x @ w1 + b1
    assert float(hidden.abs().min()) > 1e-3, "a pre-activation is at the ReLU kink"
    out = x + torch.relu(hidden) @ w2 + b2
    out.backward(torch.tensor(res_out_weight, dtype=dtype))
    return [out.detach().numpy()] + [t.grad.numpy() for t in [x, w1, b1, w2, b2]]


res32 = residual_run(torch.float32)
check("residual", zip(res32, residual_run(torch.float64)))
residual_entry = {
    "input": tensor_json(res_input), "w1": tensor_json(res_w1), "b1": tensor_json(res_b1),
    "w2": tensor_json(res_w2), "b2": tensor_json(res_b2), "outputWeight": tensor_json(res_out_weight),
    "output": tensor_json(res32[0]), "grads": [tensor_json(g) for g in res32[1:]],
}

# --- RMSprop ----------------------------------------------------------------------

rms_param = normal((2, 3))
rms_target = normal((2, 3))
rms_coefficient = np.abs(normal((2, 3))).astype(np.float32) + 0.5
RMSPROP_CONFIGS = [
    ("plain", {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weightDecay": 0, "momentum": 0, "centered": False}),
    ("momentum", {"lr": 0.01, "alpha": 0.9, "eps": 1e-8, "weightDecay": 0, "momentum": 0.9, "centered": False}),
    ("centered", {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weightDecay": 0, "momentum": 0, "centered": True}),
    ("centered-momentum-decay", {"lr": 0.005, "alpha": 0.95, "eps": 1e-6, "weightDecay": 0.01, "momentum": 0.5, "centered": True}),
]


def rmsprop_run(options, dtype):
    p = torch.tensor(rms_param, dtype=dtype, requires_grad=True)
    optimizer = torch.optim.RMSprop([p], lr=options["lr"], alpha=options["alpha"], eps=options["eps"],
                                    weight_decay=options["weightDecay"], momentum=options["momentum"], centered=options["centered"])
    after = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = (torch.tensor(rms_coefficient, dtype=dtype) * (p - torch.tensor(rms_target, dtype=dtype)) ** 2).sum()
        loss.backward()
        optimizer.step()
        after.append(p.detach().numpy().copy())
    return after


rmsprop_entries = []
for name, options in RMSPROP_CONFIGS:
    run32 = rmsprop_run(options, torch.float32)
    check(f"rmsprop {name}", zip(run32, rmsprop_run(options, torch.float64)))
    rmsprop_entries.append({"name": name, "options": options, "after": [tensor_json(a) for a in run32]})

# --- Schedulers: lr after each epoch (the first value is before any step) --------


def lr_trace(make, epochs=12):
    p = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=0.1)
    scheduler = make(optimizer)
    trace = [optimizer.param_groups[0]["lr"]]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        trace.append(optimizer.param_groups[0]["lr"])
    return trace


S = torch.optim.lr_scheduler
scheduler_entries = [
    {"name": "step", "kind": "step", "options": {"stepSize": 3, "gamma": 0.5}, "lrs": lr_trace(lambda o: S.StepLR(o, step_size=3, gamma=0.5))},
    {"name": "exponential", "kind": "exponential", "options": {"gamma": 0.9}, "lrs": lr_trace(lambda o: S.ExponentialLR(o, gamma=0.9))},
    {"name": "cosine", "kind": "cosine", "options": {"tMax": 10, "etaMin": 0.001}, "lrs": lr_trace(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001))},
    {"name": "linear warm-up", "kind": "linear", "options": {"startFactor": 0.25, "endFactor": 1, "totalIters": 4},
     "lrs": lr_trace(lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4))},
]

# --- Clipping -----------------------------------------------------------------------

clip_grads = [normal((2, 3)), normal((4,)) * 0.5]


def clipped(by_norm, dtype):
    params = [torch.zeros(g.shape, dtype=dtype, requires_grad=True) for g in clip_grads]
    for p, g in zip(params, clip_grads):
        p.grad = torch.tensor(g, dtype=dtype)
    if by_norm:
        total = float(torch.nn.utils.clip_grad_norm_(params, max_norm=1.0, norm_type=2.0))
    else:
        torch.nn.utils.clip_grad_value_(params, clip_value=0.5)
        total = 0.0
    return total, [p.grad.numpy() for p in params]


norm32, norm_grads32 = clipped(True, torch.float32)
norm64, norm_grads64 = clipped(True, torch.float64)
check("clip norm", [(np.float32(norm32), norm64)] + list(zip(norm_grads32, norm_grads64)))
_, value_grads = clipped(False, torch.float32)
clipping_entry = {
    "grads": [tensor_json(g) for g in clip_grads],
    "byNorm": {"maxNorm": 1.0, "totalNorm": float(np.float32(norm32)), "grads": [tensor_json(g) for g in norm_grads32]},
    "byValue": {"clipValue": 0.5, "grads": [tensor_json(g) for g in value_grads]},
}

size = write_json(OUTPUT, {
    "torch": torch.__version__.split("+")[0],
    "tolerance": {"relative": 1e-5, "absoluteFloor": 1e-6},
    "ops": op_entries,
    "arg": arg_entries,
    "batchnorm": batchnorm_entries,
    "layernorm": layernorm_entry,
    "residual": residual_entry,
    "rmspropProblem": {"param": tensor_json(rms_param), "target": tensor_json(rms_target), "coefficient": tensor_json(rms_coefficient)},
    "rmsprop": rmsprop_entries,
    "schedulers": scheduler_entries,
    "clipping": clipping_entry,
})
print(f"wrote {OUTPUT} ({size} bytes, {len(op_entries)} op cases)")
