/**
 * The Module: the base class of every layer and model.
 *
 * A module owns parameters (the Tensors stored in its properties) and child
 * modules (the Modules stored in its properties, or in arrays in its
 * properties). Nothing is registered by hand and there is no Proxy: the
 * methods below simply walk the object's own properties, in the order they
 * were assigned, which is what gives parameters their dotted names:
 *
 *   Sequential { layers: [Dense { weight, bias }, ReLU, Dense { weight, bias }] }
 *   -> layers.0.weight, layers.0.bias, layers.2.weight, layers.2.bias
 *
 * Keep a tensor that is not a parameter (a cache, a constant) in a `#private`
 * field: private fields are not properties, so the walk does not see them.
 * State that is not trained but belongs to the model (BatchNorm's running
 * statistics) is a *buffer*: `registerBuffer(name, tensor)` puts it in
 * `stateDict()`, checkpoints and `loadStateDict`, but not in `parameters()`.
 */
import { Tensor, formatShape, sameShape } from '@gradlab/core';

/** Called after a module's forward pass with the module, its input and its output. */
export type ForwardHook = (module: Module, input: Tensor, output: Tensor) => void;

/** What `registerForwardHook` returns: call `remove()` to detach the hook. */
export interface HookHandle {
  remove(): void;
}

/**
 * The base class of layers and models. Subclasses implement `forward`;
 * parameters and children are discovered from properties.
 *
 * @example
 * class TwoLayer extends Module {
 *   hidden = new Dense(4, 8);
 *   activation = new ReLU();
 *   output = new Dense(8, 2);
 *   forward(x: Tensor): Tensor {
 *     return this.output.forward(this.activation.forward(this.hidden.forward(x)));
 *   }
 * }
 * new TwoLayer().namedParameters().map(([name]) => name);
 * // ['hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']
 */
export abstract class Module {
  /** True in training mode (the default), false after `eval()`. */
  training = true;

  // Private fields are invisible to the property walk, so the hook machinery
  // never shows up as a child or a parameter.
  #hooks: ForwardHook[] = [];
  #forwardWrapped = false;
  // Buffers by name, in registration order; a private field, so not a parameter.
  #buffers = new Map<string, Tensor>();

  /** Computes the module's output. Shape rules are documented by each subclass. */
  abstract forward(x: Tensor): Tensor;

  /**
   * The direct children, with their property names (`hidden`, or `layers.0`
   * for the first module of an array property).
   */
  namedChildren(): Array<[string, Module]> {
    const children: Array<[string, Module]> = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) {
        children.push([key, value]);
      } else if (Array.isArray(value)) {
        value.forEach((item, index) => {
          if (item instanceof Module) children.push([`${key}.${index}`, item]);
        });
      }
    }
    return children;
  }

  /** The direct child modules. */
  children(): Module[] {
    return this.namedChildren().map(([, child]) => child);
  }

  /**
   * This module (named `prefix`, '' by default) and every module below it,
   * depth first, each listed once even if it is shared.
   *
   * @example
   * mlp({ inputs: 2, hidden: [4], outputs: 1, activation: 'relu' }).namedModules().map(([n]) => n);
   * // ['', 'layers.0', 'layers.1', 'layers.2']
   */
  namedModules(prefix = ''): Array<[string, Module]> {
    const result: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    // An explicit stack rather than recursion, like core's topological sort.
    const stack: Array<[string, Module]> = [[prefix, this]];
    while (stack.length > 0) {
      const [name, module] = stack.pop()!;
      if (seen.has(module)) continue;
      seen.add(module);
      result.push([name, module]);
      const children = module.namedChildren();
      for (let i = children.length - 1; i >= 0; i--) {
        const [childName, child] = children[i]!;
        stack.push([name === '' ? childName : `${name}.${childName}`, child]);
      }
    }
    return result;
  }

  /** The tensors held directly by this module (not its children), with their property names. */
  ownParameters(): Array<[string, Tensor]> {
    const own: Array<[string, Tensor]> = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Tensor) own.push([key, value]);
    }
    return own;
  }

  /**
   * Every parameter of this module and its descendants, with dotted names
   * (`layers.0.weight`). A tensor shared by two modules is listed once, under
   * the first name met.
   */
  namedParameters(): Array<[string, Tensor]> {
    const result: Array<[string, Tensor]> = [];
    const seen = new Set<Tensor>();
    for (const [moduleName, module] of this.namedModules()) {
      for (const [key, parameter] of module.ownParameters()) {
        if (seen.has(parameter)) continue;
        seen.add(parameter);
        result.push([moduleName === '' ? key : `${moduleName}.${key}`, parameter]);
      }
    }
    return result;
  }

  /**
   * Registers `value` as a buffer of this module: state that is saved and
   * loaded with the model (`stateDict()`, `save`, `load`) but is not a
   * parameter, so no optimizer updates it (PyTorch's `register_buffer`).
   * Update a buffer in place (`buffer.data[i] = …`) so that the tensor in a
   * state dict stays the live one. Returns `value`.
   *
   * @example
   * class Counter extends Module {
   *   readonly #count = this.registerBuffer('count', zeros([1]));
   *   forward(x: Tensor): Tensor { this.#count.data[0]! += 1; return x; }
   * }
   * Object.keys(new Counter().stateDict()); // ['count']
   */
  registerBuffer(name: string, value: Tensor): Tensor {
    if (typeof name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(name)) {
      throw new Error(`registerBuffer: ${this.constructor.name}: a buffer name must be an identifier without dots, got ${JSON.stringify(name)}`);
    }
    if (!(value instanceof Tensor)) {
      throw new Error(`registerBuffer: ${this.constructor.name}: buffer '${name}' must be a Tensor, got ${typeof value}`);
    }
    if (value.requiresGrad) {
      throw new Error(`registerBuffer: ${this.constructor.name}: buffer '${name}' requires grad; a buffer is not trained (keep a parameter in a property instead)`);
    }
    if (this.#buffers.has(name) || Object.hasOwn(this, name)) {
      throw new Error(`registerBuffer: ${this.constructor.name}: '${name}' is already a buffer or a property of this module`);
    }
    this.#buffers.set(name, value);
    return value;
  }

  /** The buffers registered by this module itself (not its children), by name. */
  ownBuffers(): Array<[string, Tensor]> {
    return [...this.#buffers];
  }

  /** Every buffer of this module and its descendants, with dotted names (`layers.1.runningMean`). */
  namedBuffers(): Array<[string, Tensor]> {
    const result: Array<[string, Tensor]> = [];
    for (const [moduleName, module] of this.namedModules()) {
      for (const [key, buffer] of module.ownBuffers()) result.push([moduleName === '' ? key : `${moduleName}.${key}`, buffer]);
    }
    return result;
  }

  /** Every buffer, in the order of `namedBuffers()`. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, buffer]) => buffer);
  }

  /** Every parameter, in the order of `namedParameters()`: what optimizers take. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, parameter]) => parameter);
  }

  /** The total number of parameter elements (weights and biases). */
  numParameters(): number {
    return this.parameters().reduce((total, parameter) => total + parameter.size, 0);
  }

  /** Clears the gradient of every parameter (sets `.grad` to null). */
  zeroGrad(): void {
    for (const parameter of this.parameters()) parameter.grad = null;
  }

  /** Puts this module and all its descendants in training mode. Returns this. */
  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  /** Puts this module and all its descendants in evaluation mode. Returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * The parameters and buffers by dotted name, parameters first. These are
   * the live tensors, not copies: writing into
   * `stateDict()['layers.0.weight'].data` changes the model.
   */
  stateDict(): Record<string, Tensor> {
    const state: Record<string, Tensor> = {};
    for (const [name, parameter] of this.namedParameters()) state[name] = parameter;
    for (const [name, buffer] of this.namedBuffers()) state[name] = buffer;
    return state;
  }

  /**
   * Copies the values of `state` into this module's parameters and buffers. Every key
   * must be present with the right shape and no extra key is allowed; all of
   * that is checked before the first value is copied, so a failed load leaves
   * the model exactly as it was.
   *
   * @example
   * const copy = mlp({ inputs: 2, hidden: [8], outputs: 1, activation: 'relu' });
   * copy.loadStateDict(model.stateDict()); // copy now computes what model computes
   */
  loadStateDict(state: Readonly<Record<string, Tensor>>): void {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new Error(`loadStateDict: expected an object of tensors by name (what stateDict() returns), got ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state}`);
    }
    const own = this.stateDict();
    const missing = Object.keys(own).filter((key) => !Object.hasOwn(state, key));
    const extra = Object.keys(state).filter((key) => !Object.hasOwn(own, key));
    const problems: string[] = [];
    if (missing.length > 0) problems.push(`missing keys ${missing.map((key) => `'${key}'`).join(', ')}`);
    if (extra.length > 0) problems.push(`unexpected keys ${extra.map((key) => `'${key}'`).join(', ')}`);
    for (const [key, parameter] of Object.entries(own)) {
      const incoming = state[key];
      if (incoming === undefined) continue;
      if (!(incoming instanceof Tensor)) {
        problems.push(`'${key}' is not a Tensor`);
      } else if (!sameShape(incoming.shape, parameter.shape)) {
        problems.push(`'${key}' has shape ${formatShape(incoming.shape)} but the model's is ${formatShape(parameter.shape)}`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`loadStateDict: ${this.constructor.name}: ${problems.join('; ')}`);
    }
    for (const [key, parameter] of Object.entries(own)) parameter.data.set(state[key]!.data);
  }

  /**
   * Calls `hook(module, input, output)` after every forward pass of this
   * module, however `forward` is reached (directly, or from a parent).
   * Returns a handle whose `remove()` detaches the hook.
   *
   * @example
   * const handle = model.layers[1]!.registerForwardHook((_, __, output) => seen.push(output));
   * model.forward(x);
   * handle.remove();
   */
  registerForwardHook(hook: ForwardHook): HookHandle {
    // TypeScript objects cannot be called like PyTorch modules (model(x)), so
    // there is no __call__ to run hooks from. Instead the first hook wraps
    // this instance's own forward, so hooks fire even when a parent calls
    // child.forward(x) directly.
    if (!this.#forwardWrapped) {
      const unhooked = this.forward;
      this.forward = (x: Tensor): Tensor => {
        const output = unhooked.call(this, x);
        for (const registered of [...this.#hooks]) registered(this, x, output);
        return output;
      };
      // The wrapper is an own property; keep it out of Object.entries so it
      // is not mistaken for anything during the property walk.
      Object.defineProperty(this, 'forward', { enumerable: false });
      this.#forwardWrapped = true;
    }
    this.#hooks.push(hook);
    return {
      remove: () => {
        const index = this.#hooks.indexOf(hook);
        if (index !== -1) this.#hooks.splice(index, 1);
      },
    };
  }

  /** Extra text shown between the parentheses by `toString()`, e.g. `4, 8` for a Dense layer. */
  describe(): string {
    return '';
  }

  /**
   * A one-line description of the architecture, e.g.
   * `Sequential(Dense(2, 8), ReLU(), Dense(8, 1))`. Saved in checkpoints.
   */
  toString(): string {
    const children = this.children().map((child) => child.toString());
    const inside = [this.describe(), ...children].filter((part) => part !== '').join(', ');
    return `${this.constructor.name}(${inside})`;
  }
}
