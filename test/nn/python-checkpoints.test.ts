/**
 * gradlab checkpoints and Python, both ways, without Python:
 * test/fixtures/torch/checkpoints-python.json was made by
 * scripts/torch-fixtures/checkpoints.py with PyTorch, numpy and the
 * `safetensors` package. It holds a file gradlab wrote with what Python read
 * from it, and files written from a PyTorch model with PyTorch's outputs.
 * The Python code in docs/checkpoints.md is the script's own code (checked below).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator, tensor, type Tensor } from '@gradlab/core';
import { load, mlp, save } from '@gradlab/nn';

interface TensorJson { shape: number[]; data: number[] }
interface Fixture {
  sizes: number[];
  negativeSlope: number;
  input: TensorJson;
  gradlabToPython: {
    fileBase64: string;
    metadata: Record<string, string>;
    tensors: Record<string, TensorJson>;
    readWithSafetensorsPackage: string[];
    torchOutput: TensorJson;
  };
  torchToGradlab: { architecture: string; numpyWriterFileBase64: string; safetensorsPackageFileBase64: string; torchOutput: TensorJson };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/checkpoints-python.json', import.meta.url), 'utf8')) as Fixture;
const script = readFileSync(new URL('../../scripts/torch-fixtures/checkpoints.py', import.meta.url), 'utf8');
const doc = readFileSync(new URL('../../docs/checkpoints.md', import.meta.url), 'utf8');
const folder = mkdtempSync(join(tmpdir(), 'gradlab-python-checkpoints-'));
const input = () => tensor(fixture.input.data, { shape: fixture.input.shape });

/** The MLP checkpoints.py had gradlab write (the same options and seed). */
function model(seed: string | number = 'checkpoints-python') {
  const [inputs, ...rest] = fixture.sizes;
  return mlp({
    inputs: inputs!, hidden: rest.slice(0, -1), outputs: rest.at(-1)!, activation: 'leaky-relu',
    negativeSlope: fixture.negativeSlope, biasInit: 0.1, generator: new Generator(seed),
  });
}

/** |gradlab - torch| <= max(1e-5 |torch|, 1e-6), as for every other PyTorch fixture. */
function expectCloseToTorch(actual: Tensor, expected: TensorJson): void {
  expect(actual.shape).toEqual(expected.shape);
  expected.data.forEach((value, i) => {
    expect(Math.abs(actual.data[i]! - value), `element ${i}: gradlab ${actual.data[i]}, PyTorch ${value}`)
      .toBeLessThanOrEqual(Math.max(1e-5 * Math.abs(value), 1e-6));
  });
}

describe('a gradlab checkpoint read in Python', () => {
  const pythonRead = fixture.gradlabToPython;

  it('is still the very file gradlab writes (else rerun scripts/torch-fixtures/checkpoints.py)', () => {
    const path = join(folder, 'gradlab.safetensors');
    save(model(), path, { note: 'written by gradlab for scripts/torch-fixtures/checkpoints.py' });
    expect(readFileSync(path).equals(Buffer.from(pythonRead.fileBase64, 'base64'))).toBe(true);
  });

  it('gave Python exactly the parameters and metadata gradlab saved, with numpy alone and with the safetensors package', () => {
    const saved = model();
    const state = saved.stateDict();
    expect(Object.keys(pythonRead.tensors).sort()).toEqual(Object.keys(state).sort());
    expect(pythonRead.readWithSafetensorsPackage).toEqual(Object.keys(state).sort());
    for (const [name, read] of Object.entries(pythonRead.tensors)) {
      expect(read.shape, name).toEqual(state[name]!.shape);
      expect(read.data.map(Math.fround), name).toEqual(Array.from(state[name]!.data));
    }
    expect(pythonRead.metadata).toMatchObject({ format: 'gradlab', architecture: saved.toString() });
  });

  it('computes in PyTorch what it computes in gradlab', () => {
    const output = model().forward(input());
    expectCloseToTorch(output, pythonRead.torchOutput);
  });
});

describe('a checkpoint written from PyTorch', () => {
  const written = fixture.torchToGradlab;
  const files: Array<[string, string]> = [
    ['the numpy-only writer of docs/checkpoints.md', written.numpyWriterFileBase64],
    ['safetensors.numpy.save_file', written.safetensorsPackageFileBase64],
  ];

  it.each(files)('written by %s loads into gradlab and gives PyTorch\'s outputs', (writer, fileBase64) => {
    const path = join(folder, `${writer.replace(/\W+/g, '-')}.safetensors`);
    writeFileSync(path, Buffer.from(fileBase64, 'base64'));
    const network = model('a different initialisation');
    expect(network.toString()).toBe(written.architecture);
    const metadata = load(network, path);
    expect(metadata['architecture']).toBe(written.architecture);
    expectCloseToTorch(network.forward(input()), written.torchOutput);
  });
});

describe('the Python in docs/checkpoints.md', () => {
  const blocks = [...script.matchAll(/^# --- docs: ([\w-]+) ---\n([\s\S]*?)^# --- docs: end ---$/gm)];

  it('is the code checkpoints.py ran to make the fixture, block for block', () => {
    expect(blocks.map((block) => block[1])).toEqual(['read', 'write', 'from-torch', 'to-torch']);
    const pythonBlocks = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((block) => block[1]!);
    for (const [, name, code] of blocks) {
      expect(pythonBlocks.some((block) => block.includes(code!)), `docs/checkpoints.md shows the '${name}' code of checkpoints.py`).toBe(true);
    }
  });
});
