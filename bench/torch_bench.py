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
    for m, k, n in [(64, 784, 64), (64, 64, 64), (128, 784, 256), (128, 256, 256), (1024, 1024, 1024)]:
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


def main_job_task(request):
    """The main job (bench/measure.mjs MAIN_JOB): three networks 784 → 10×64 → 10 (ReLU, LeakyReLU,
    Sigmoid), Adam, batch 64, on the training images the coordinator wrote to request["data"]
    (float32 images, then uint8 labels). Initialised as gradlab's mlp does: He normal (with the
    leaky gain) for the ReLU family, Xavier uniform for Sigmoid, zero biases. Each call trains one
    epoch of the next network, the networks taking turns, as the gradlab engine does."""
    import numpy
    job = request["job"]
    count, width, batch = request["count"], 784, job["batch"]
    raw = numpy.fromfile(request["data"], dtype=numpy.uint8)
    images = torch.from_numpy(raw[: count * width * 4].view(numpy.float32).reshape(count, width).copy())
    labels = torch.from_numpy(raw[count * width * 4:].astype(numpy.int64))
    modules = {"relu": torch.nn.ReLU, "leaky-relu": lambda: torch.nn.LeakyReLU(job["negativeSlope"]), "sigmoid": torch.nn.Sigmoid}
    generator = torch.Generator().manual_seed(0)
    loss_fn = torch.nn.CrossEntropyLoss()

    def train_epoch(network, optimizer):
        order = torch.randperm(count, generator=generator)
        for start in range(0, count, batch):
            index = order[start:start + batch]
            optimizer.zero_grad()
            loss = loss_fn(network(images[index]), labels[index])
            loss.item()  # gradlab's loop reads every loss (to stop on a NaN): so does this one
            loss.backward()
            optimizer.step()

    # Warm-up, untimed: one epoch of each network of another seed, as the gradlab engine does.
    for network, optimizer in start_networks(job, width, modules):
        train_epoch(network, optimizer)
    networks = start_networks(job, width, modules)
    turn = [0]

    def epoch():
        train_epoch(*networks[turn[0] % len(networks)])
        turn[0] += 1

    return epoch


def start_networks(job, width, modules):
    """The main job's three networks, initialised as gradlab's mlp does."""
    networks = []
    for activation in job["activations"]:
        widths = [width] + [job["width"]] * job["depth"] + [10]
        layers = []
        for i in range(len(widths) - 1):
            linear = torch.nn.Linear(widths[i], widths[i + 1])
            if activation == "sigmoid":
                torch.nn.init.xavier_uniform_(linear.weight)
            else:
                slope = job["negativeSlope"] if activation == "leaky-relu" else 0
                torch.nn.init.kaiming_normal_(linear.weight, a=slope, nonlinearity="leaky_relu")
            torch.nn.init.zeros_(linear.bias)
            layers.append(linear)
            if i + 2 < len(widths):
                layers.append(modules[activation]())
        network = torch.nn.Sequential(*layers)
        networks.append((network, torch.optim.Adam(network.parameters(), lr=job["lr"])))
    return networks


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
                if request["task"] == "matmul":
                    task = matmul_task(request["product"])
                elif request["task"] == "mainjob":
                    task = main_job_task(request)
                else:
                    task = training_step(request["model"])
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
