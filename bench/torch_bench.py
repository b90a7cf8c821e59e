"""PyTorch peer of gradlab's benchmark, on one thread.

Run by bench/run.mjs with /usr/bin/python3 (Debian's python3-torch, which
multiplies through the system BLAS: OpenBLAS when libopenblas0 is installed)
as `torch_bench.py serve`: the same line protocol as bench/engine.mjs (one JSON
request per line on stdin, one JSON reply per line on stdout), so the
coordinator can interleave PyTorch's timed samples with the other engines'.
`torch_bench.py version` prints the torch version and BLAS.
By hand, sequentially: OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch_bench.py matmul
                       OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch_bench.py train A 2000

The products, models, batch, learning rate and timing rules mirror bench/measure.mjs.
"""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)

REPEATS = 5
BATCH = 128
LEARNING_RATE = 0.01
MODELS = {"A": [256] * 8, "B": [128] * 20}


def products():
    for m, k, n in [(128, 784, 256), (128, 256, 256), (1024, 1024, 1024)]:
        for form, transpose_a, transpose_b in [("A·B", False, False), ("Aᵀ·B", True, False), ("A·Bᵀ", False, True)]:
            yield f"({m}×{k})·({k}×{n}) {form}", form, m, k, n, transpose_a, transpose_b


def measure(run):
    """Warm-up calls, then REPEATS samples of ~100 ms; the median time of one call, in ms."""
    start = time.perf_counter()
    run()
    once = (time.perf_counter() - start) * 1000
    if once < 500:
        start = time.perf_counter()
        run()
        once = max((time.perf_counter() - start) * 1000, 1e-3)
    inner = max(1, round(100 / once))
    samples = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(inner):
            run()
        samples.append((time.perf_counter() - t0) * 1000 / inner)
    return {"medianMs": statistics.median(samples), "minMs": min(samples), "repeats": REPEATS, "inner": inner}


def bench_matmul():
    for name, form, m, k, n, transpose_a, transpose_b in products():
        # A transposed operand is stored transposed and read through .t(), a view: no copy.
        a = torch.rand(k, m).t() if transpose_a else torch.rand(m, k)
        b = torch.rand(n, k).t() if transpose_b else torch.rand(k, n)
        timing = measure(lambda: torch.mm(a, b))
        gflops = 2 * m * k * n / (timing["medianMs"] * 1e6)
        print(json.dumps({"engine": "pytorch", "product": name, "form": form, "m": m, "k": k, "n": n,
                          "gflops": gflops, **timing}), flush=True)


def resident_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def training_step(model_key):
    """One training step of the model: a fixed random batch, cross-entropy, plain SGD."""
    widths = [784, *MODELS[model_key], 10]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    network = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(network.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(BATCH, 784)
    labels = torch.randint(0, 10, (BATCH,))

    def step():
        optimizer.zero_grad()
        loss = loss_fn(network(x), labels)
        loss.backward()
        optimizer.step()

    return step


def bench_train(model_key, steps):
    step = training_step(model_key)
    for _ in range(5):
        step()
    memory = [{"step": 0, "rssMiB": resident_mib(), "heapUsedMiB": None}]
    segment = max(1, round(steps / 20))
    segment_ms = []
    done = 0
    while done < steps:
        count = min(segment, steps - done)
        t0 = time.perf_counter()
        for _ in range(count):
            step()
        segment_ms.append((time.perf_counter() - t0) * 1000 / count)
        done += count
        if len(memory) == 1 and done >= steps / 2:
            memory.append({"step": done, "rssMiB": resident_mib(), "heapUsedMiB": None})
    memory.append({"step": done, "rssMiB": resident_mib(), "heapUsedMiB": None})
    ms_per_step = statistics.median(segment_ms)
    print(json.dumps({"engine": "pytorch", "model": model_key, "kernel": f"torch {torch.__version__}",
                      "steps": steps, "segments": len(segment_ms), "msPerStep": ms_per_step,
                      "samplesPerSecond": BATCH * 1000 / ms_per_step,
                      "bestSamplesPerSecond": BATCH * 1000 / min(segment_ms), "memory": memory}), flush=True)


def matmul_task(product):
    m, k, n = product["m"], product["k"], product["n"]
    a = torch.rand(k, m).t() if product["transposeA"] else torch.rand(m, k)
    b = torch.rand(n, k).t() if product["transposeB"] else torch.rand(k, n)
    return lambda: torch.mm(a, b)


def serve():
    """Answers bench/run.mjs's requests until stdin closes."""
    task = None
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "setup":
                task = matmul_task(request["product"]) if request["task"] == "matmul" else training_step(request["model"])
                reply = {"kernel": f"torch {torch.__version__}"}
            elif request["op"] == "sample":
                t0 = time.perf_counter()
                for _ in range(request["count"]):
                    task()
                reply = {"ms": (time.perf_counter() - t0) * 1000 / request["count"]}
            elif request["op"] == "memory":
                reply = {"step": request["step"], "rssMiB": resident_mib(), "heapUsedMiB": None, "arrayBuffersMiB": None}
            else:
                raise ValueError(f"unknown request {line}")
        except Exception as error:  # reported to the coordinator, which stops
            reply = {"error": f"pytorch: {error!r}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    elif sys.argv[1] == "matmul":
        bench_matmul()
    elif sys.argv[1] == "train":
        bench_train(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "version":
        blas = "OpenBLAS" if "openblas" in open("/proc/self/maps").read() else "system BLAS"
        print(json.dumps({"torch": torch.__version__, "blas": blas}))
