/**
 * The recorder behind `captureStep` (../capture.ts): while a step is being
 * captured, every kernel call (a matmul, an elementwise kernel, a fused op's
 * loop, an optimizer's update) also records itself here as a `CapturedCall`:
 * the arrays it reads and writes, and how to run it again over the same
 * arrays once they live in the captured step's arena. Outside a capture
 * `recording()` is null and the kernels pay one comparison.
 *
 * A kernel records itself only where its replay gives the bits its eager run
 * gave: the same wasm function (or, for a loop written in TypeScript, the same
 * function) on the same values in the same order. Anything in a step that
 * cannot be replayed calls `unsupported`, and the step then stays eager.
 */

/** The arrays a captured kernel works on: float32 values, or int32 class labels. */
export type CaptureArray = Float32Array | Int32Array;

/** How a kernel uses an operand: reads it ('in'), overwrites it whole ('out'), or both ('inout'). */
export type OperandUse = 'in' | 'out' | 'inout';

/**
 * Who owns an array that outlives a step (a parameter's data, an optimizer's
 * moment): how to read the owner's current array and how to point the owner at
 * the array's home in the arena. A captured step checks `get()` before each
 * replay, so an owner that was given a new array (a loaded checkpoint) is
 * copied in again instead of being silently ignored.
 */
export interface Binding {
  get(): CaptureArray | null;
  set(view: CaptureArray): void;
}

/** One array of a recorded call. */
export interface CapturedOperand {
  readonly array: CaptureArray;
  readonly use: OperandUse;
}

/** What a replay gets: the module's instance on the arena, and where the call's operands live there. */
export interface ReplayContext {
  /** The exports of the call's wasm module instantiated on the arena memory (null for a TypeScript kernel). */
  exports: unknown;
  /** Byte address of each operand in the arena, in the order of `operands`. */
  at: number[];
  /** A view of each operand in the arena (Float32Array or Int32Array, as recorded). */
  views: CaptureArray[];
  /** Byte address of the call's scratch space (`scratchBytes` of it), shared by all calls. */
  scratch: number;
}

/** One kernel call of a captured step. */
export interface CapturedCall {
  /** For error messages and the plan's summary, e.g. 'matmul' or 'relu'. */
  readonly name: string;
  /** The compiled WebAssembly.Module whose exports `replay` calls (instantiated on the arena), or null. */
  readonly module: object | null;
  readonly operands: readonly CapturedOperand[];
  /** Bytes of scratch memory the call needs during its run (the matmul's packing buffers). */
  readonly scratchBytes?: number;
  /** Runs the call again over the operands' homes in the arena. Must not allocate. */
  replay(context: ReplayContext): void;
}

/** Everything one capture records. */
export class Recording {
  readonly calls: CapturedCall[] = [];
  /** Arrays some recorded call has written. */
  readonly written = new Set<CaptureArray>();
  /** The first thing in the step that cannot be replayed, or null. */
  failure: string | null = null;
  /** Leaf tensors that got a gradient, with the array it is in (these stay readable after the step). */
  readonly leafGrads = new Map<{ grad: { data: Float32Array } | null }, Float32Array>();
  /** Tensors made by ops during the capture (their data is re-pointed at the arena where it outlives the step). */
  readonly tensors: Array<{ data: Float32Array }> = [];
  /** The owners of arrays that outlive the step (parameters, optimizer state). */
  readonly bindings = new Map<CaptureArray, Binding[]>();
  /** Conditions under which the recorded scalars still hold; a replay whose guard fails records the step again. */
  readonly guards: Array<() => boolean> = [];
}

let active: Recording | null = null;

/** The recording under way, or null (the usual case: no capture is recording). */
export function recording(): Recording | null {
  return active;
}

/** Starts recording (returns the recording); nested captures are not recorded. */
export function startRecording(): Recording {
  if (active !== null) throw new Error('captureStep: a step is already being captured');
  active = new Recording();
  return active;
}

/** Stops the recording under way. */
export function stopRecording(): void {
  active = null;
}

/** Records one kernel call, if a capture is recording. */
export function recordCall(call: CapturedCall): void {
  if (active === null) return;
  active.calls.push(call);
  for (const operand of call.operands) if (operand.use !== 'in') active.written.add(operand.array);
}

/**
 * Records JavaScript that must run again at this point of every replay (a
 * check of the loss, a step counter); it must not allocate. Outside a
 * capture it does nothing: the caller runs its code itself.
 */
export function recordHost(name: string, run: () => void): void {
  recordCall({ name, module: null, operands: [], replay: run });
}

/** Marks the step being recorded as not replayable: `what` is the reason `captureStep` gives. */
export function unsupported(what: string): void {
  if (active !== null && active.failure === null) active.failure = what;
}

/**
 * Declares who owns `array`, an array that outlives the step (a parameter's
 * data, an optimizer's moment): the captured step gives the owner the array's
 * home in the arena, and copies a new array in if the owner is given one.
 */
export function recordBinding(array: CaptureArray, binding: Binding): void {
  if (active === null) return;
  const list = active.bindings.get(array);
  if (list === undefined) active.bindings.set(array, [binding]);
  else list.push(binding);
}

/**
 * Declares a condition the recorded calls rely on (a learning rate a call
 * took as a number, say): when it no longer holds, the captured step records
 * the step again instead of replaying it.
 */
export function recordGuard(holds: () => boolean): void {
  active?.guards.push(holds);
}
