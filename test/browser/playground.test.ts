/// <reference lib="dom" />
/**
 * The playground page in a real headless Chromium (Debian's, at /usr/bin/chromium,
 * driven by playwright-core; nothing downloads a browser), served by
 * `gradlab playground` itself. `npx -y pnpm@12.4.2 run test:browser` builds
 * the packages and the page, then runs this file (vitest.browser.config.ts).
 *
 * It checks that the page loads without console errors, that training
 * starts and the charts change, that the numbers after N steps are those of
 * the same runs in Node (losses, measurements, epoch snapshots, predictions
 * and a SHA-256 of the weights: the same bits, for every activation of the
 * table), that pause, step and reset work, and that the command reports a
 * port in use and stops on Ctrl-C. It writes a screenshot of a compare run
 * (reports/browser/playground.png, the README's picture) and the training
 * speed of the default network in the browser and in Node
 * (reports/browser/steps-per-second.json).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeMatmulKernelName, wasmMatmulInstructions } from '@gradlab/core/kernels';
import { ACTIVATION_KINDS, activationLabel, type ActivationKind } from '@gradlab/nn';
import type {} from '../../packages/examples/playground/page-api.js';
import { loadEmbeddedMnist } from '../../packages/examples/src/data/mnist.js';
import {
  DEFAULT_SETTINGS, PlaygroundRun, shownDigits, splitDigits, stepsPerSecond, type PlaygroundSettings,
} from '../../packages/examples/src/playground/session.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'packages/examples/dist/cli/main.js');
const reports = join(root, 'reports/browser');
const CHROMIUM = '/usr/bin/chromium';
/** Flags that work as root in a container: without the background-networking ones Chromium's connections are refused en masse. */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the page keeps of one run (window.playground.state.runs[i]), as JSON. */
interface PageRun {
  activation: string;
  step: number;
  losses: number[];
  measurements: unknown[];
  epochs: unknown[];
  predictions: number[];
}

/** `gradlab playground` started as a user would, with the address it printed. */
async function startServer(port: number): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => { stdout: string; stderr: string } }> {
  const child = spawn(process.execPath, [cli, 'playground', '--port', String(port)], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /serving (http:\/\/\S+)/.exec(stdout);
      if (match !== null) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`gradlab playground exited with ${code}: ${stderr}`));
    });
  });
  return { child, url, output: () => ({ stdout, stderr }) };
}

/** Runs the command to its end and returns its exit code and output. */
function runCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let server: Awaited<ReturnType<typeof startServer>>;
let context: BrowserContext;
let page: Page;
let profile: string;
/** Every console error and uncaught exception of the page. */
const pageErrors: string[] = [];
const data = splitDigits(loadEmbeddedMnist());

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).toBe(true);
  expect(existsSync(join(root, 'packages/examples/dist/playground-page/index.html')), 'the page is not built: run `npx -y pnpm@12.4.2 run test:browser`').toBe(true);
  server = await startServer(0);
  profile = mkdtempSync(join(tmpdir(), 'gradlab-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.url);
  await page.waitForFunction(() => window.playground?.state.ready === true, null, { timeout: 120_000 });
});

afterAll(async () => {
  await context?.close();
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  if (server !== undefined && server.child.exitCode === null) server.child.kill('SIGTERM');
});

/** Sets the form and presses Reset: a fresh run of these settings (and a second activation when comparing). */
async function configure(settings: PlaygroundSettings, compareWith?: ActivationKind): Promise<void> {
  await page.fill('#depth', String(settings.depth));
  await page.fill('#width', String(settings.width));
  await page.selectOption('#activation', settings.activation);
  await page.selectOption('#optimizer', settings.optimizer);
  await page.fill('#lr', String(settings.lr));
  await page.selectOption('#init', settings.init);
  await page.fill('#seed', String(settings.seed));
  await page.setChecked('#compare', compareWith !== undefined);
  if (compareWith !== undefined) await page.selectOption('#compare-with', compareWith);
  await page.click('#reset');
  await page.waitForFunction((count) => window.playground.state.runs.length === count && window.playground.state.runs.every((run) => run.step === 0),
    compareWith === undefined ? 1 : 2, { timeout: 60_000 });
}

const pageRuns = (): Promise<PageRun[]> => page.evaluate(() => JSON.parse(JSON.stringify(window.playground.state.runs)) as PageRun[]);

/** The same run in Node, `steps` steps in. */
function nodeRun(settings: PlaygroundSettings, activation: ActivationKind, steps: number): PlaygroundRun {
  const run = new PlaygroundRun(settings, activation, data);
  for (let i = 0; i < steps; i++) run.advance();
  return run;
}

describe('the playground page in Chromium', () => {
  it('loads without console errors, offering every activation of the table', async () => {
    expect(pageErrors).toEqual([]);
    const options = await page.$$eval('#activation option', (elements) => elements.map((option) => [(option as HTMLOptionElement).value, option.textContent]));
    expect(options).toEqual(ACTIVATION_KINDS.map((kind) => [kind, activationLabel(kind)]));
    expect(await page.textContent('#command')).toBe(`gradlab dead-neurons --activations ${DEFAULT_SETTINGS.activation} --seeds 0 --depth 10 --width 64 --optimizer adam --lr 0.005 --init default`);
  });

  it('trains when Run is pressed and its charts change; Pause stops it', async () => {
    await configure({ ...DEFAULT_SETTINGS, depth: 4, width: 32 });
    const chart = (): Promise<string> => page.evaluate(() => (document.querySelector('[data-testid="inactive-chart-0"]') as HTMLCanvasElement).toDataURL());
    const lossChart = (): Promise<string> => page.evaluate(() => (document.querySelector('[data-testid="loss-chart-0"]') as HTMLCanvasElement).toDataURL());
    const [inactiveBefore, lossBefore] = [await chart(), await lossChart()];
    await page.click('#run');
    expect(await page.textContent('#run')).toBe('Pause');
    await page.waitForFunction(() => (window.playground.state.runs[0]?.measurements.length ?? 0) >= 3, null, { timeout: 120_000 });
    await page.click('#run');
    expect(await page.textContent('#run')).toBe('Run');
    await page.waitForTimeout(300);
    const paused = (await pageRuns())[0]!.step;
    expect(paused).toBeGreaterThanOrEqual(50);
    await page.waitForTimeout(1500);
    expect((await pageRuns())[0]!.step).toBe(paused);
    await page.waitForFunction((step) => document.querySelector('[data-testid="numbers-0"]')?.textContent?.startsWith(`step ${step} `) === true, paused);
    expect(await chart()).not.toBe(inactiveBefore);
    expect(await lossChart()).not.toBe(lossBefore);
    expect(pageErrors).toEqual([]);
  });

  it('shows after 130 steps of a compare run the numbers of the same two runs in Node, bit for bit', async () => {
    const settings: PlaygroundSettings = { ...DEFAULT_SETTINGS, depth: 4, width: 16, lr: 0.01, seed: 5 };
    const [first, second] = [ACTIVATION_KINDS[0]!, ACTIVATION_KINDS[1]!];
    await configure(settings, second);
    // 130 steps: past the end of epoch 1 (125 steps), so the epoch's snapshot is in.
    await page.evaluate(() => window.playground.step(130));
    const shown = await pageRuns();
    const digests = await page.evaluate(() => window.playground.digests());
    const testDigits = shownDigits(data.test, 10);
    for (const [index, activation] of [first, second].entries()) {
      const run = nodeRun(settings, activation, 130);
      const network = run.current.network;
      expect(shown[index]!.activation).toBe(activation);
      expect(shown[index]!.step).toBe(130);
      expect(shown[index]!.epochs).toHaveLength(2);
      expect(shown[index]!.epochs).toEqual(JSON.parse(JSON.stringify(network.epochs)));
      expect(shown[index]!.measurements).toEqual(JSON.parse(JSON.stringify(network.lifetimeMeasurements)));
      expect(shown[index]!.predictions).toEqual(run.predict(testDigits));
      expect(digests[index]).toBe(await run.parameterDigest());
    }
    // The losses step by step, compared as float64 bits.
    const nodeLosses = (activation: ActivationKind): number[] => {
      const run = new PlaygroundRun(settings, activation, data);
      const losses: number[] = [];
      for (let i = 0; i < 130; i++) { run.advance(); losses.push(run.current.loss!); }
      return losses;
    };
    expect(shown[0]!.losses).toEqual(nodeLosses(first));
    expect(shown[1]!.losses).toEqual(nodeLosses(second));
  });

  it.each(ACTIVATION_KINDS)('trains %s to the same weights as Node (SHA-256 after 30 steps)', async (activation) => {
    const settings: PlaygroundSettings = { ...DEFAULT_SETTINGS, depth: 3, width: 24, activation, seed: 11 };
    await configure(settings);
    await page.evaluate(() => window.playground.step(30));
    const [digest] = await page.evaluate(() => window.playground.digests());
    const run = nodeRun(settings, activation, 30);
    expect(digest).toBe(await run.parameterDigest());
    expect((await pageRuns())[0]!.losses.at(-1)).toBe(run.current.loss);
  });

  it('steps one step per click, and Reset starts the same run over', async () => {
    const settings: PlaygroundSettings = { ...DEFAULT_SETTINGS, depth: 3, width: 16, seed: 2 };
    await configure(settings);
    await page.click('#step');
    await page.waitForFunction(() => window.playground.state.runs[0]?.step === 1);
    await page.click('#step');
    await page.waitForFunction(() => window.playground.state.runs[0]?.step === 2);
    const before = (await pageRuns())[0]!;
    await page.click('#reset');
    await page.waitForFunction(() => window.playground.state.runs[0]?.step === 0 && window.playground.state.runs[0].losses.length === 0);
    await page.click('#step');
    await page.waitForFunction(() => window.playground.state.runs[0]?.step === 1);
    const after = (await pageRuns())[0]!;
    expect(after.losses).toEqual(before.losses.slice(0, 1));
    expect(after.losses[0]).toBe(nodeRun(settings, 'relu', 1).current.loss);
    expect(pageErrors).toEqual([]);
  });

  it('draws a compare run of the default network (the README\'s screenshot)', async () => {
    await configure(DEFAULT_SETTINGS, 'leaky-relu');
    await page.evaluate(() => window.playground.step(250));
    await page.waitForTimeout(500);
    mkdirSync(reports, { recursive: true });
    const file = join(reports, 'playground.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = readFileSync(file);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(width).toBe(1100);
    expect(height).toBeGreaterThan(900);
    expect(png.length).toBeGreaterThan(50_000);
    const runs = await pageRuns();
    expect(runs.map((run) => run.step)).toEqual([250, 250]);
    expect(pageErrors).toEqual([]);
  });

  it('measures training steps per second of the default network in the browser and in Node', async () => {
    const steps = 100;
    const { stepsPerSecond: browser, kernel: browserKernel } = await page.evaluate((count) => window.playground.benchmark(count), steps);
    const node = stepsPerSecond(DEFAULT_SETTINGS, data.train, steps);
    const nodeKernel = `${activeMatmulKernelName()} (${wasmMatmulInstructions() ?? 'no wasm'})`;
    // The same kernel build on both sides, or the bits could not agree.
    expect(browserKernel).toBe(nodeKernel);
    const record = {
      network: '784 → 10×64 → 10, ReLU, Adam, batch 64', steps, kernel: nodeKernel, chromium: await page.evaluate(() => /Chrome\/(\S+)/.exec(navigator.userAgent)?.[1] ?? 'unknown'), node: process.version,
      browserStepsPerSecond: browser, nodeStepsPerSecond: node, browserOverNode: browser / node,
    };
    mkdirSync(reports, { recursive: true });
    writeFileSync(join(reports, 'steps-per-second.json'), `${JSON.stringify(record, null, 2)}\n`);
    console.log(`steps per second, default network: browser ${browser.toFixed(1)}, Node ${node.toFixed(1)} (ratio ${(browser / node).toFixed(2)})`);
    expect(browser).toBeGreaterThan(0);
    expect(node).toBeGreaterThan(0);
  });
});

describe('gradlab playground', () => {
  it('serves the page, the packed digits and nothing outside its folder', async () => {
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('gradlab playground');
    const digits = await fetch(new URL('mnist-digits.bin.gz', server.url));
    expect(digits.headers.get('content-type')).toBe('application/octet-stream');
    expect(digits.headers.get('content-encoding')).toBeNull();
    const bytes = new Uint8Array(await digits.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    for (const path of ['/missing.js', '/..%2F..%2Fpackage.json', '/assets/']) expect((await fetch(new URL(path, server.url))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('says so when the port is in use, with exit code 1', async () => {
    const port = new URL(server.url).port;
    const second = await runCommand(['playground', '--port', port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`gradlab playground: port ${port} on 127.0.0.1 is in use; choose another with --port (0 picks a free one)\n`);
  });

  it('refuses a port out of range as a bad command line, with exit code 2', async () => {
    const bad = await runCommand(['playground', '--port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port');
    expect(bad.stderr).toContain('65535');
  });

  it('stops on Ctrl-C, saying how to start it again', async () => {
    const exited = new Promise<number | null>((resolve) => server.child.on('exit', resolve));
    server.child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(server.output().stderr).toContain(`gradlab playground: interrupted. The server has stopped; to start it again, run:\n  gradlab playground --port 0`);
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
