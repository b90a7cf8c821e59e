/**
 * docs/extending.md, "How to add an experiment", cannot drift from the code:
 * the two files it shows (the ```ts blocks whose first line names a file
 * under packages/examples/src/) are written out as they stand on the page,
 * type-checked with the repository's strict settings, and run through the
 * runner, whose results are checked against a direct measurement.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Tensor } from '@gradlab/core';
import { measureActivations } from '@gradlab/nn';
import { buildModel, loadData, parseCommandLine, runExperiment, type AnyExperiment } from 'gradlab';
import { afterAll, describe, expect, it } from 'vitest';
import { docBlocks } from '../doc-blocks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const page = join(root, 'docs', 'extending.md');
const examplesSource = join(root, 'packages', 'examples', 'src');
const FILE_LINE = /^\/\/ packages\/examples\/src\/(\S+\.ts)$/;

/** The page's files: path under packages/examples/src → code. */
function pageFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const block of docBlocks(page)) {
    const name = FILE_LINE.exec(block.code.split('\n')[0]!)?.[1];
    if (name !== undefined) files.set(name, block.code);
  }
  return files;
}

/**
 * Writes the files into `folder` as if it were packages/examples/src: an
 * import of one of them stays as it is, an import of the repository's own
 * modules points at the repository.
 */
function writeFiles(files: Map<string, string>, folder: string): void {
  writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
  for (const [name, code] of files) {
    const target = join(folder, name);
    mkdirSync(dirname(target), { recursive: true });
    const rewritten = code.replace(/from '(\.\.?\/[^']+)\.js'/g, (whole, specifier: string) => {
      const inSource = relative(examplesSource, join(examplesSource, dirname(name), specifier));
      if (files.has(`${inSource}.ts`)) return whole;
      let path = relative(dirname(target), join(examplesSource, `${inSource}.js`));
      if (!path.startsWith('.')) path = `./${path}`;
      return `from '${path}'`;
    });
    writeFileSync(target, rewritten);
  }
}

describe('docs/extending.md: How to add an experiment', () => {
  const files = pageFiles();
  const folder = mkdtempSync(join(tmpdir(), 'gradlab-add-an-experiment-'));
  const tsconfig = join(root, 'test', 'examples', `.tsconfig.add-an-experiment-${process.pid}.json`);
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
    rmSync(tsconfig, { force: true });
  });

  it('shows two files: the declaration and its report', () => {
    expect([...files.keys()]).toEqual(['experiments/dead-at-init-experiment.ts', 'report/dead-at-init.ts']);
    writeFiles(files, folder);
  });

  it('type-checks them as they stand, with the repository\'s strict settings (no casts needed)', () => {
    writeFileSync(tsconfig, JSON.stringify({
      extends: './../tsconfig.json',
      compilerOptions: { rootDir: '/', noEmit: true },
      include: [],
      files: [...files.keys()].map((name) => join(folder, name)),
    }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(existsSync(tsc), tsc).toBe(true);
    const run = spawnSync(process.execPath, [tsc, '-p', tsconfig], { encoding: 'utf8' });
    expect(run.stdout + run.stderr, 'tsc').toBe('');
    expect(run.status).toBe(0);
  });

  it('runs through the runner and counts the dead units a direct measurement counts, the same bytes twice', async () => {
    const experiment = ((await import(pathToFileURL(join(folder, 'experiments', 'dead-at-init-experiment.ts')).href)) as { default: AnyExperiment }).default;
    const outputs = [join(folder, 'out-a'), join(folder, 'out-b')];
    for (const out of outputs) {
      const parsed = parseCommandLine(experiment.command, ['--widths', '4,32', '--depth', '6', '--seeds', '0-2', '--images', '200', '--workers', '1', '--out', out]);
      if (parsed.help) throw new Error('unexpected --help');
      const result = await runExperiment(experiment, parsed.flags, { log: () => {}, showProgress: false });
      expect(result.filesWritten.map((path) => relative(out, path))).toEqual(['results.json', 'report.md', 'timing.json']);
    }
    const results = JSON.parse(readFileSync(join(outputs[0]!, 'results.json'), 'utf8')) as { runs: Array<{ width: number; init: string; seed: number; dead: number; units: number }> };
    expect(results.runs.map((run) => `${run.init} ${run.width} ${run.seed}`)).toEqual(['he-normal 4 0', 'he-normal 4 1', 'he-normal 4 2', 'he-normal 32 0', 'he-normal 32 1', 'he-normal 32 2']);
    const { train } = loadData({ trainSize: 200, testSize: 0 });
    for (const run of results.runs) {
      const model = buildModel({ hidden: Array<number>(6).fill(run.width), activation: 'relu', negativeSlope: 0, init: 'he-normal' }, 784, 10, run.seed);
      const { totals } = measureActivations(model, [new Tensor(train.images, [train.count, 784])]);
      expect([run.dead, run.units]).toEqual([totals.dead, 6 * run.width]);
    }
    // Narrow He networks lose units before training; the count is not trivially zero everywhere.
    expect(results.runs.some((run) => run.dead > 0)).toBe(true);
    for (const name of ['results.json', 'report.md']) {
      const [a, b] = outputs.map((out) => readFileSync(join(out, name), 'utf8').replaceAll(out, 'OUT'));
      expect(a, name).toBe(b);
    }
    expect(readFileSync(join(outputs[0]!, 'report.md'), 'utf8')).toContain(`Made by \`gradlab dead-at-init --widths 4,32 --depth 6 --images 200 --out ${outputs[0]!}\`.`);
  });
});
