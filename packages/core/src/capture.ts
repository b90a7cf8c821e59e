/**
 * Captured steps: record a training step's kernels once, plan one arena for
 * them, replay.
 *
 * An eager step allocates every activation and gradient afresh and copies
 * each operand into a kernel's wasm memory and the result back out. A step
 * wrapped in `captureStep` runs eagerly the first time while every kernel it
 * calls records itself (kernels/recording.ts). Then one WebAssembly memory,
 * the arena, is planned for all the arrays those kernels touched:
 *
 * - arrays that outlive the step get a home of their own: the arguments
 *   (copied in at each call), the parameters and optimizer state (their
 *   owners are pointed at their homes: `param.data` is then a view of the
 *   arena), the parameters' gradients and the returned tensor;
 * - every other array (activations, intermediate gradients) lives from the
 *   call that writes it to the last call that reads it, and arrays whose lives
 *   do not overlap share memory.
 *
 * The kernels' wasm modules are instantiated again on the arena, and later
 * calls replay the recorded calls over it: no array is allocated and nothing
 * is copied but the arguments. The replay runs the same kernels on the same
 * values in the same order as the eager step, so it gives the same bits
 * (test/core/capture.test.ts trains both ways and compares).
 *
 * Arguments of another shape (the last, smaller batch of an epoch) are
 * recorded and planned once more; each shape keeps its plan. There is
 * nothing to free: the arena is an ordinary object, and the garbage
 * collector frees it with the captured step (and the parameters that view it).
 *
 * A step that does anything a replay would skip (an op without a captured
 * kernel, a gradient summed over broadcast dimensions, anomaly detection, the
 * readable mode, a matmul kernel other than the wasm one) is not captured: it
 * keeps running eagerly, and `eagerReason` says why.
 */
import { kernelMode } from './kernels/mode.js';
import {
  startRecording, stopRecording, type Binding, type CaptureArray, type CapturedCall, type Recording, type ReplayContext,
} from './kernels/recording.js';
import { Tensor } from './tensor.js';

/** What a captured step takes: tensors (a batch of inputs) and int32 arrays (class labels). */
export type StepArgument = Tensor | Int32Array;

/** The plan of a captured step for one shape of its arguments, in numbers. */
export interface CapturePlan {
  /** The arguments' shapes, e.g. '[64, 784], 64 labels'. */
  readonly shapes: string;
  /** Kernel calls (and host calls: a loss check, a step counter) replayed per step. */
  readonly calls: number;
  /** Bytes of the arena (one wasm memory, in whole 64 KiB pages). */
  readonly arenaBytes: number;
  /** Bytes of the arrays that outlive a step: arguments, parameters, their gradients, optimizer state, the result. */
  readonly persistentBytes: number;
  /** Bytes the step's other arrays take in the arena after sharing by liveness. */
  readonly temporaryBytes: number;
  /** Bytes those arrays would take without sharing: what an eager step allocates for them. */
  readonly unsharedTemporaryBytes: number;
  /** Bytes of scratch space (the matmul's packing buffers). */
  readonly scratchBytes: number;
}

/** A step function wrapped by `captureStep`. */
export interface CapturedStep<Args extends StepArgument[], R> {
  (...args: Args): R;
  /** One plan per shape of the arguments seen so far. */
  readonly plans: readonly CapturePlan[];
  /** Why the last call ran eagerly (null when it replayed a plan or was recorded into one). */
  readonly eagerReason: string | null;
}

const PAGE_BYTES = 65536;
/** Each home starts on a cache line and keeps 64 bytes free after its end (kernels working 4 floats at a time may write up to 3 past it). */
const homeBytes = (bytes: number): number => Math.ceil((bytes + 64) / 64) * 64;

/** How the arguments of one call look: a shape per tensor, -length per int32 array. */
function sameArguments(args: readonly StepArgument[], shapes: ReadonlyArray<readonly number[]>): boolean {
  if (args.length !== shapes.length) return false;
  for (let i = 0; i < args.length; i++) if (!sameArgument(args[i], shapes[i]!)) return false;
  return true;
}

function argumentShapes(args: readonly StepArgument[]): number[][] {
  return args.map((arg, i) => {
    if (arg instanceof Tensor) return [...arg.shape];
    if (arg instanceof Int32Array) return [-arg.length];
    throw new Error(`captureStep: argument ${i} must be a Tensor or an Int32Array (class labels), got ${arg === null ? 'null' : typeof arg}`);
  });
}

function describeShapes(shapes: ReadonlyArray<readonly number[]>): string {
  return shapes.map((shape) => (shape.length === 1 && shape[0]! < 0 ? `${-shape[0]!} labels` : `[${shape.join(', ')}]`)).join(', ');
}

/** One array of the step: where it lives in the arena and when. */
interface Home {
  readonly array: CaptureArray;
  first: number;
  last: number;
  persistent: boolean;
  offset: number;
  view: CaptureArray | null;
}

/** A planned step: the arena and everything a replay touches, built once. */
class Plan {
  constructor(
    readonly shapes: ReadonlyArray<readonly number[]>,
    readonly info: CapturePlan,
    readonly calls: readonly CapturedCall[],
    readonly contexts: readonly ReplayContext[],
    readonly argumentViews: readonly CaptureArray[],
    readonly bindings: ReadonlyArray<{ binding: Binding; view: CaptureArray }>,
    readonly grads: ReadonlyArray<{ leaf: { grad: unknown }; grad: unknown }>,
    readonly guards: ReadonlyArray<() => boolean>,
    readonly result: unknown,
  ) {}

  /** Whether every guard still holds (else the step must be recorded again). */
  guardsHold(): boolean {
    for (let i = 0; i < this.guards.length; i++) if (!this.guards[i]!()) return false;
    return true;
  }

  /** Before a replay: owners given a new array since the last one (a loaded checkpoint, another plan) are copied in again; leaves get their gradients back. */
  begin(): void {
    for (let i = 0; i < this.bindings.length; i++) {
      const { binding, view } = this.bindings[i]!;
      const current = binding.get();
      if (current === view) continue;
      if (current !== null) {
        if (current.length !== view.length) throw new Error(`captureStep: a parameter or optimizer buffer changed length from ${view.length} to ${current.length} after the step was captured`);
        view.set(current);
      }
      binding.set(view);
    }
    for (let i = 0; i < this.grads.length; i++) this.grads[i]!.leaf.grad = this.grads[i]!.grad;
  }

  /** Copies argument `index` into its home (the one copy a replay makes). */
  setArgument(index: number, arg: StepArgument): void {
    const source = arg instanceof Tensor ? arg.data : arg;
    const view = this.argumentViews[index]!;
    if (source !== view) view.set(source);
  }

  /** Runs the recorded calls over the arena. */
  runCalls(): void {
    for (let i = 0; i < this.calls.length; i++) this.calls[i]!.replay(this.contexts[i]!);
  }

  /** Replays the step on `args`; false (having done nothing) when a guard no longer holds. */
  replay(args: readonly StepArgument[]): boolean {
    if (!this.guardsHold()) return false;
    this.begin();
    for (let i = 0; i < args.length; i++) this.setArgument(i, args[i]!);
    this.runCalls();
    return true;
  }
}

/** Whether one argument has the shape recorded for it (a shape per tensor, -length per int32 array). */
function sameArgument(arg: unknown, shape: readonly number[]): boolean {
  if (arg instanceof Tensor) {
    if (arg.shape.length !== shape.length) return false;
    for (let d = 0; d < shape.length; d++) if (arg.shape[d] !== shape[d]) return false;
    return true;
  }
  return arg instanceof Int32Array && shape.length === 1 && shape[0] === -arg.length;
}

interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/**
 * Plans the arena for a recording (see the top of this file), moves the
 * arrays that outlive the step into it, and returns the plan; or a reason the
 * recording cannot be replayed.
 */
function planStep(recording: Recording, args: readonly StepArgument[], shapes: ReadonlyArray<readonly number[]>, result: unknown): Plan | string {
  const { calls } = recording;
  const homes = new Map<CaptureArray, Home>();
  let scratchBytes = 0;
  calls.forEach((call, index) => {
    scratchBytes = Math.max(scratchBytes, call.scratchBytes ?? 0);
    for (const { array, use } of call.operands) {
      const home = homes.get(array);
      if (home === undefined) homes.set(array, { array, first: index, last: index, persistent: use !== 'out', offset: 0, view: null });
      else home.last = index;
    }
  });
  const pin = (array: CaptureArray, what: string): string | null => {
    const home = homes.get(array);
    if (home === undefined) return `${what} is not touched by any captured kernel`;
    home.persistent = true;
    return null;
  };
  for (const [index, arg] of args.entries()) {
    const problem = pin(arg instanceof Tensor ? arg.data : arg, `argument ${index}`);
    if (problem !== null) return problem;
  }
  if (result instanceof Tensor) {
    const problem = pin(result.data, 'the returned tensor');
    if (problem !== null) return problem;
  } else if (result !== undefined) {
    return 'the step returns something other than a tensor or nothing';
  }
  for (const [leaf, array] of recording.leafGrads) {
    if (leaf.grad?.data !== array) return 'a gradient was replaced during the step';
    const problem = pin(array, 'a gradient');
    if (problem !== null) return problem;
  }
  for (const array of recording.bindings.keys()) {
    const problem = pin(array, 'an optimizer\'s array');
    if (problem !== null) return problem;
  }

  // Layout: scratch space, then the persistent homes, then the temporaries, shared by liveness.
  let end = Math.ceil(scratchBytes / 64) * 64;
  let persistentBytes = 0;
  const temporaries: Home[] = [];
  for (const home of homes.values()) {
    if (!home.persistent) {
      temporaries.push(home);
      continue;
    }
    home.offset = end;
    end += homeBytes(home.array.byteLength);
    persistentBytes += homeBytes(home.array.byteLength);
  }
  // Largest first, each at the lowest offset free for its whole life (greedy by size).
  temporaries.sort((x, y) => y.array.byteLength - x.array.byteLength || x.first - y.first);
  const placed: Home[] = [];
  let temporaryBytes = 0;
  let unsharedTemporaryBytes = 0;
  for (const home of temporaries) {
    const size = homeBytes(home.array.byteLength);
    unsharedTemporaryBytes += size;
    const busy = placed
      .filter((other) => other.first <= home.last && home.first <= other.last)
      .sort((x, y) => x.offset - y.offset);
    let offset = 0;
    for (const other of busy) {
      if (offset + size <= other.offset) break;
      offset = Math.max(offset, other.offset + homeBytes(other.array.byteLength));
    }
    home.offset = offset;
    temporaryBytes = Math.max(temporaryBytes, offset + size);
    placed.push(home);
  }
  for (const home of temporaries) home.offset += end;
  end += temporaryBytes;

  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return 'WebAssembly is unavailable';
  const pages = Math.max(1, Math.ceil(end / PAGE_BYTES));
  const memory = new api.Memory({ initial: pages, maximum: pages });
  const instances = new Map<object, unknown>();
  for (const call of calls) {
    if (call.module !== null && !instances.has(call.module)) {
      instances.set(call.module, new api.Instance(call.module, { env: { memory } }).exports);
    }
  }
  for (const home of homes.values()) {
    const View = home.array instanceof Int32Array ? Int32Array : Float32Array;
    home.view = new View(memory.buffer, home.offset, home.array.length);
    if (home.persistent) home.view.set(home.array as never);
  }
  const viewOf = (array: CaptureArray): CaptureArray => homes.get(array)!.view!;

  // The owners of what outlives the step now hold its home in the arena.
  const bindings: Array<{ binding: Binding; view: CaptureArray }> = [];
  for (const [array, list] of recording.bindings) {
    for (const binding of list) {
      binding.set(viewOf(array));
      bindings.push({ binding, view: viewOf(array) });
    }
  }
  for (const tensor of recording.tensors) {
    const home = homes.get(tensor.data);
    if (home?.persistent) tensor.data = home.view as Float32Array;
  }
  const grads = [...recording.leafGrads.keys()].map((leaf) => {
    const grad = leaf.grad!;
    grad.data = viewOf(grad.data) as Float32Array;
    return { leaf, grad };
  });
  const contexts = calls.map((call): ReplayContext => ({
    exports: call.module === null ? null : instances.get(call.module)!,
    at: call.operands.map(({ array }) => homes.get(array)!.offset),
    views: call.operands.map(({ array }) => viewOf(array)),
    scratch: 0,
  }));
  const argumentViews = args.map((arg) => viewOf(arg instanceof Tensor ? arg.data : arg));
  // (The returned tensor was made by an op, so the loop over the recording's tensors moved it already; this covers the rest.)
  if (result instanceof Tensor && homes.has(result.data)) result.data = viewOf(result.data) as Float32Array;
  const info: CapturePlan = {
    shapes: describeShapes(shapes), calls: calls.length, arenaBytes: pages * PAGE_BYTES,
    persistentBytes, temporaryBytes, unsharedTemporaryBytes, scratchBytes,
  };
  return new Plan(shapes, info, calls, contexts, argumentViews, bindings, grads, [...recording.guards], result);
}

/**
 * Wraps a training step so that it is captured: the first call with
 * arguments of a given shape runs `step` eagerly and records its kernels;
 * later calls with that shape replay them over one planned arena in wasm
 * memory, without allocating or copying (see the top of capture.ts), and
 * give the same bits. The step must take its batch as arguments (tensors
 * and int32 label arrays), not from a variable it closes over; it may return
 * the loss, which is then the same Tensor object, updated, at every call.
 *
 * After the first call the parameters' `data` and `grad` live in the arena:
 * read them afresh (`param.data`) rather than keeping an array from before.
 * A step that cannot be replayed runs eagerly every time; `eagerReason` says why.
 *
 * @example
 * const step = captureStep((x: Tensor, labels: Int32Array) => {
 *   optimizer.zeroGrad();
 *   const loss = crossEntropy(model.forward(x), labels);
 *   loss.backward();
 *   optimizer.step();
 *   return loss;
 * });
 * for (const [x, labels] of loader) step(x, labels).item();
 * step.plans[0].arenaBytes; // e.g. 2,228,224 for 784 → 10×64 → 10 with Adam, batch 64
 */
export function captureStep<Args extends StepArgument[], R extends Tensor | void>(step: (...args: Args) => R): CapturedStep<Args, R> {
  const plans: Plan[] = [];
  /** Argument shapes that cannot be captured, with the reason. */
  const refused: Array<{ shapes: number[][]; reason: string }> = [];
  let last: Plan | null = null;
  let eagerReason: string | null = null;

  const runSlowly = (args: Args): R => {
    if (kernelMode() === 'reference') {
      eagerReason = 'the readable mode (useReferenceKernels) runs every op\'s own loop';
      return step(...args);
    }
    let plan = last !== null && sameArguments(args, last.shapes) ? last : plans.find((candidate) => sameArguments(args, candidate.shapes)) ?? null;
    if (plan !== null) {
      if (plan.replay(args)) {
        last = plan;
        eagerReason = null;
        return plan.result as R;
      }
      // A guard failed (a learning rate changed, say): record this shape again.
      plans.splice(plans.indexOf(plan), 1);
      last = null;
      plan = null;
    }
    const refusal = refused.find((entry) => sameArguments(args, entry.shapes));
    if (refusal !== undefined) {
      eagerReason = refusal.reason;
      return step(...args);
    }
    const shapes = argumentShapes(args);
    let recording: Recording;
    try {
      recording = startRecording();
    } catch {
      eagerReason = 'another step is being captured';
      return step(...args);
    }
    let result: R;
    try {
      result = step(...args);
    } finally {
      stopRecording();
    }
    const planned = recording.failure === null ? planStep(recording, args, shapes, result) : recording.failure;
    if (typeof planned === 'string') {
      refused.push({ shapes, reason: planned });
      eagerReason = planned;
    } else {
      plans.push(planned);
      last = planned;
      eagerReason = null;
    }
    return result;
  };
  // The usual call replays the last plan. It reads `arguments` by index only (a rest parameter
  // would allocate an array at every call, and a replay allocates nothing); anything else
  // (another shape, a failed guard, the readable mode, the first call) takes runSlowly.
  const run = function captured(): R {
    const plan = last;
    if (plan !== null && arguments.length === plan.shapes.length && kernelMode() === 'fast') {
      let same = true;
      for (let i = 0; i < arguments.length && same; i++) same = sameArgument(arguments[i], plan.shapes[i]!);
      if (same && plan.guardsHold()) {
        plan.begin();
        for (let i = 0; i < arguments.length; i++) plan.setArgument(i, arguments[i] as StepArgument);
        plan.runCalls();
        eagerReason = null;
        return plan.result as R;
      }
    }
    return runSlowly(Array.prototype.slice.call(arguments) as Args);
  };
  return Object.defineProperties(run, {
    plans: { get: () => plans.map((plan) => plan.info) },
    eagerReason: { get: () => eagerReason },
  }) as unknown as CapturedStep<Args, R>;
}
