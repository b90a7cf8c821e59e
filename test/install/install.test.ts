/**
 * gradlab installs the way a user installs it. The three packages are packed
 * with `pnpm pack` (which turns `workspace:*` into real versions), installed
 * with plain npm into an empty project outside the repository, and used from
 * there: the README's training loop from ES modules and from CommonJS
 * `require`, the same code through `tsc --noEmit` with `strict` and
 * `skipLibCheck: false`, and the `gradlab` command through `npx`.
 *
 * npm takes third-party dependencies from its cache (`--prefer-offline`), so
 * only the first run on a machine downloads them. Needs the build
 * (`npx pnpm@12.4.2 test` builds first).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const cliVersion = (JSON.parse(readFileSync(join(root, 'packages/examples/package.json'), 'utf8')) as { version: string }).version;
const typescriptCompiler = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** The ```ts block that follows a README heading. */
function readmeCodeAfter(heading: string): string {
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block || !section) throw new Error(`README.md: no \`\`\`ts block after '${heading}'`);
  return block[1]!;
}

/** `import { a, b } from 'x';` lines as `const { a, b } = require('x');`, the rest unchanged. */
function asCommonJs(code: string): string {
  const converted = code.replace(/^import \{([^}]+)\} from '([^']+)';$/gm, "const {$1} = require('$2');");
  if (/^import /m.test(converted)) throw new Error(`an import line this test cannot turn into require():\n${converted}`);
  return converted;
}

/**
 * The environment of a user's shell: without the npm_* and pnpm_* variables
 * that `pnpm test` sets (npm_config_local_prefix would point npm at this
 * repository) and without this repository's node_modules/.bin on the PATH.
 */
function userEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm|pnpm)_/i.test(key)) env[key] = value;
  }
  env['PATH'] = (process.env['PATH'] ?? '').split(delimiter).filter((entry) => !entry.startsWith(root)).join(delimiter);
  env['NO_UPDATE_NOTIFIER'] = '1';
  env['FORCE_COLOR'] = '0';
  return env;
}

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: userEnvironment(), encoding: 'utf8', timeout: 300_000 });
  if (result.error) throw result.error;
  return result;
}

function expectSuccess(result: SpawnSyncReturns<string>, what: string): void {
  expect(result.status, `${what} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
}

describe('the packed packages installed with npm into an empty project', () => {
  let work: string;
  let project: string;
  let installOutput: SpawnSyncReturns<string>;

  beforeAll(() => {
    expect(existsSync(join(root, 'packages/examples/dist/cli/main.js')), 'dist/ is missing: run `npx pnpm@12.4.2 run build`').toBe(true);
    work = mkdtempSync(join(tmpdir(), 'gradlab-install-'));
    const tarballs = join(work, 'tarballs');
    expectSuccess(run('npx', ['-y', 'pnpm@12.4.2', '--filter', './packages/*', 'pack', '--pack-destination', tarballs], root), 'pnpm pack');
    project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'my-project', version: '1.0.0', private: true }, null, 2)}\n`);
    const files = readdirSync(tarballs).sort().map((file) => join(tarballs, file));
    installOutput = run('npm', [
      'install', '--engine-strict', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'warn',
      ...files, '@types/node@20.19.43',
    ], project);
    expectSuccess(installOutput, 'npm install');
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs the three tarballs on this Node with no engine warning and no workspace: ranges', () => {
    expect(`${installOutput.stdout}${installOutput.stderr}`).not.toMatch(/EBADENGINE|Unsupported engine/);
    const installed = ['@gradlab/core', '@gradlab/nn', 'gradlab'].map((name) => readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'));
    for (const packageJson of installed) expect(packageJson).not.toContain('workspace:');
    // The CLI's dependencies on the libraries resolve to the tarballs installed beside it, not to a second copy.
    expect(existsSync(join(project, 'node_modules/gradlab/node_modules/@gradlab'))).toBe(false);
  });

  const trainingLoop = readmeCodeAfter('## Training a network');
  const expectTrainingOutput = (stdout: string): void => {
    // What the README says the loop prints.
    expect(stdout).toMatch(/^(step|epoch) 0: loss 1\.03\d\d$/m);
    expect(stdout).toMatch(/^(step|epoch) 150: loss 0\.004\d$/m);
    expect(stdout).toContain('accuracy 1\n');
    expect(stdout).toContain('dead ReLU units 7 of 16\n');
  };
  let esmOutput = '';

  it("runs the README's training loop from an ES module, with the WebAssembly kernels", () => {
    writeFileSync(join(project, 'loop.mjs'), trainingLoop);
    const result = run(process.execPath, ['loop.mjs'], project);
    expectSuccess(result, 'node loop.mjs');
    expect(result.stderr).toBe('');
    expectTrainingOutput(result.stdout);
    esmOutput = result.stdout;
    const kernels = run(process.execPath, ['--input-type=module', '-e', `
      import { activeMatmulKernelName, elementwiseWasmAvailable } from '@gradlab/core/kernels';
      console.log(activeMatmulKernelName(), elementwiseWasmAvailable());`], project);
    expect(kernels.stdout.trim()).toBe('wasm true');
  });

  it('runs the same loop from CommonJS require, with no warning and the same output', () => {
    writeFileSync(join(project, 'loop.cjs'), asCommonJs(trainingLoop));
    const result = run(process.execPath, ['loop.cjs'], project);
    expectSuccess(result, 'node loop.cjs');
    expect(result.stderr).toBe(''); // no ExperimentalWarning about require() of an ES module
    expectTrainingOutput(result.stdout);
    expect(result.stdout).toBe(esmOutput);
  });

  it('type-checks under strict with skipLibCheck false: the libraries without @types/node, the CLI package with it', () => {
    writeFileSync(join(project, 'loop.mts'), trainingLoop);
    writeFileSync(join(project, 'loop.cts'), trainingLoop); // TypeScript turns these imports into require() calls
    writeFileSync(join(project, 'usage.mts'), readmeCodeAfter('## Usage'));
    writeFileSync(join(project, 'cli.mts'), [
      "import { loadData, runGradlab, type Dataset } from 'gradlab';",
      'const { train }: { train: Dataset } = loadData({ trainSize: 10, testSize: 10, splitSeed: 0 });',
      "const code: Promise<number> = runGradlab(['--help']);",
      'console.log(train.count, code);',
    ].join('\n'));
    const compilerOptions = { strict: true, skipLibCheck: false, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, types: [] }, files: ['loop.mts', 'loop.cts', 'usage.mts'] }));
    writeFileSync(join(project, 'tsconfig.cli.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, types: ['node'] }, files: ['cli.mts'] }));
    for (const config of ['tsconfig.json', 'tsconfig.cli.json']) {
      const result = run(process.execPath, [typescriptCompiler, '-p', config], project);
      expect(`${result.stdout}${result.stderr}`, `tsc -p ${config}`).toBe('');
      expect(result.status).toBe(0);
    }
  });

  it('has a gradlab command: npx gradlab --version', () => {
    const result = run('npx', ['gradlab', '--version'], project);
    expectSuccess(result, 'npx gradlab --version');
    expect(result.stdout).toBe(`gradlab ${cliVersion} (Node.js ${process.version})\n`);
    expect(result.stderr).toBe('');
  });

  it('runs npx gradlab dead-neurons --quick', () => {
    const result = run('npx', ['gradlab', 'dead-neurons', '--quick', '--quiet'], project);
    expectSuccess(result, 'npx gradlab dead-neurons --quick');
    expect(result.stderr).toBe('');
    const out = join(project, 'reports/dead-neurons-quick');
    expect(result.stdout).toMatch(/^  reports\/dead-neurons-quick\/report\.md$/m);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      config: { depth: number; width: number; epochs: number }; data: { trainSize: number }; runs: Array<{ activation: string }>;
    };
    expect(results.config).toMatchObject({ depth: 4, width: 32, epochs: 2 });
    expect(results.data.trainSize).toBe(1000);
    // Every activation once per seed of the default job.
    expect([...new Set(results.runs.map((run) => run.activation))]).toEqual(['relu', 'leaky-relu', 'sigmoid']);
    expect(existsSync(join(out, 'inactive-over-epochs.png'))).toBe(true);
  });
});
