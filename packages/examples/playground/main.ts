/**
 * The playground page: the settings form, the buttons, and the charts of
 * every run the worker trains. The page keeps what the worker reports, as
 * reported, in `window.playground.state` (the browser tests read it).
 */
import { ACTIVATION_KINDS, activationLabel, type ActivationKind, type InitName } from '@gradlab/nn';
import { OPTIMIZER_NAMES, type OptimizerName } from '../src/experiments/training.js';
import { commandLine, DEFAULT_SETTINGS, PLAYGROUND_INITS, type PlaygroundSettings } from '../src/playground/session.js';
import { drawDigit, drawLines, drawRaster, LAYER_COLOURS } from './charts.js';
import type { PageState, RunState } from './page-api.js';
import type { FromWorker, RunProgress, ToWorker } from './protocol.js';

const state: PageState = { ready: false, running: false, settings: DEFAULT_SETTINGS, runs: [], shown: null, stepsPerSecond: null, reports: 0, errors: [] };

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`playground: the page has no #${id}`);
  return element as T;
};

function fillSelect(select: HTMLSelectElement, values: readonly string[], label: (value: string) => string, selected: string): void {
  select.replaceChildren(...values.map((value) => new Option(label(value), value, false, value === selected)));
}

const form = {
  depth: byId<HTMLInputElement>('depth'),
  width: byId<HTMLInputElement>('width'),
  activation: byId<HTMLSelectElement>('activation'),
  compare: byId<HTMLInputElement>('compare'),
  compareWith: byId<HTMLSelectElement>('compare-with'),
  optimizer: byId<HTMLSelectElement>('optimizer'),
  lr: byId<HTMLInputElement>('lr'),
  init: byId<HTMLSelectElement>('init'),
  seed: byId<HTMLInputElement>('seed'),
};
const buttons = { run: byId<HTMLButtonElement>('run'), step: byId<HTMLButtonElement>('step'), reset: byId<HTMLButtonElement>('reset') };

// Every activation of the table, in its order; the init choices are nn's.
fillSelect(form.activation, ACTIVATION_KINDS, activationLabel, DEFAULT_SETTINGS.activation);
fillSelect(form.compareWith, ACTIVATION_KINDS, activationLabel, ACTIVATION_KINDS.find((kind) => kind !== DEFAULT_SETTINGS.activation)!);
fillSelect(form.optimizer, OPTIMIZER_NAMES, (name) => name === 'sgd' ? 'SGD' : 'Adam', DEFAULT_SETTINGS.optimizer);
fillSelect(form.init, PLAYGROUND_INITS, (name) => name === 'default' ? 'default for the activation' : name, DEFAULT_SETTINGS.init);
form.depth.value = String(DEFAULT_SETTINGS.depth);
form.width.value = String(DEFAULT_SETTINGS.width);
form.lr.value = String(DEFAULT_SETTINGS.lr);
form.seed.value = String(DEFAULT_SETTINGS.seed);

/** An integer field's value, clamped to its min and max. */
function integer(input: HTMLInputElement): number {
  const value = Math.round(Number(input.value));
  const min = Number(input.min);
  const max = Number(input.max);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}

function readSettings(): { settings: PlaygroundSettings; activations: ActivationKind[] } {
  const lr = Number(form.lr.value);
  const settings: PlaygroundSettings = {
    depth: integer(form.depth),
    width: integer(form.width),
    activation: form.activation.value as ActivationKind,
    optimizer: form.optimizer.value as OptimizerName,
    lr: Number.isFinite(lr) && lr > 0 ? lr : DEFAULT_SETTINGS.lr,
    init: form.init.value as InitName | 'default',
    seed: integer(form.seed),
  };
  const activations = [settings.activation];
  if (form.compare.checked && form.compareWith.value !== settings.activation) activations.push(form.compareWith.value as ActivationKind);
  return { settings, activations };
}

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker): void => worker.postMessage(message);

function reset(): void {
  const { settings, activations } = readSettings();
  state.settings = settings;
  state.running = false;
  state.runs = [];
  state.reports = 0;
  state.stepsPerSecond = null;
  byId('command').textContent = commandLine(settings, activations);
  buildPanels(activations);
  send({ type: 'reset', settings, activations });
  render();
}

buttons.run.addEventListener('click', () => {
  if (!state.ready) return;
  state.running = !state.running;
  send({ type: state.running ? 'run' : 'pause' });
  render();
});
buttons.step.addEventListener('click', () => {
  if (!state.ready) return;
  state.running = false;
  send({ type: 'step', steps: 1 });
});
buttons.reset.addEventListener('click', reset);
form.compare.addEventListener('change', () => { form.compareWith.disabled = !form.compare.checked; });
form.compareWith.disabled = true;

/** The canvases and labels of one run's panel. */
interface Panel {
  title: HTMLElement;
  numbers: HTMLElement;
  loss: HTMLCanvasElement;
  inactive: HTMLCanvasElement;
  raster: HTMLCanvasElement;
  legend: HTMLElement;
  digits: HTMLElement;
}
let panels: Panel[] = [];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ''): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  made.className = className;
  made.textContent = text;
  return made;
}

function canvas(width: number, height: number, testId: string): HTMLCanvasElement {
  const made = element('canvas', 'chart');
  made.width = width;
  made.height = height;
  made.dataset['testid'] = testId;
  return made;
}

function buildPanels(activations: readonly ActivationKind[]): void {
  const container = byId('runs');
  container.replaceChildren();
  container.classList.toggle('compare', activations.length > 1);
  panels = activations.map((activation, index) => {
    const section = element('section', 'run');
    section.dataset['testid'] = `run-${index}`;
    const panel: Panel = {
      title: element('h2', 'run-title', activationLabel(activation)),
      numbers: element('p', 'numbers'),
      loss: canvas(460, 150, `loss-chart-${index}`),
      inactive: canvas(460, 150, `inactive-chart-${index}`),
      raster: canvas(460, 220, `raster-${index}`),
      legend: element('p', 'legend'),
      digits: element('div', 'digits'),
    };
    panel.numbers.dataset['testid'] = `numbers-${index}`;
    section.append(
      panel.title, panel.numbers,
      element('h3', '', 'Training loss per step, test accuracy per epoch'), panel.loss,
      element('h3', '', 'Inactive fraction per hidden layer'), panel.inactive,
      element('h3', '', 'Unit raster: every hidden unit (rows, layer 1 on top) at every measurement (columns)'), panel.raster, panel.legend,
      element('h3', '', 'Test digits and the network\'s answers'), panel.digits,
    );
    container.append(section);
    return panel;
  });
}

function merge(update: RunProgress, index: number): void {
  const run = state.runs[index] ?? (state.runs[index] = {
    activation: update.activation, step: 0, epoch: 0, stepsPerEpoch: update.stepsPerEpoch, losses: [], measurements: [], epochs: [], predictions: [], finished: false, diverged: null,
  });
  run.step = update.step;
  run.epoch = update.epoch;
  run.losses.push(...update.losses);
  run.measurements.push(...update.measurements);
  run.epochs.push(...update.epochs);
  run.predictions = update.predictions;
  run.finished = update.finished;
  run.diverged = update.diverged;
}

const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;

function renderRun(run: RunState, panel: Panel): void {
  const width = state.settings.width;
  const last = run.measurements.at(-1);
  const inactiveNow = last === undefined ? 0 : last.inactive.reduce((total, units) => total + units.length, 0) / (state.settings.depth * width);
  const lastEpoch = run.epochs.at(-1);
  panel.numbers.textContent = `step ${run.step} (epoch ${run.epoch} of 10, ${run.stepsPerEpoch} steps each) · ` +
    `loss ${run.losses.length === 0 ? '–' : run.losses.at(-1)!.toFixed(4)} · ` +
    `test accuracy ${lastEpoch === undefined ? '–' : `${percent(lastEpoch.testAccuracy)} (epoch ${lastEpoch.epoch})`} · ` +
    `inactive ${percent(inactiveNow)} (step ${last?.step ?? 0})` +
    (run.diverged === null ? '' : ` · diverged at ${run.diverged}`) + (run.finished && run.diverged === null ? ' · finished' : '');
  const stepsTotal = Math.max(run.stepsPerEpoch * 10, 1);
  drawLines(panel.loss, {
    xMax: stepsTotal,
    yMax: Math.max(2.5, ...run.losses.slice(0, 20)),
    series: [
      { colour: '#2c6fbb', points: run.losses.map((loss, step) => [step + 1, loss] as const), label: 'loss' },
      { colour: '#d35400', points: run.epochs.map((epoch) => [epoch.epoch * run.stepsPerEpoch, epoch.testAccuracy * 2.5] as const), label: 'test accuracy (×2.5)', dots: true },
    ],
  });
  drawLines(panel.inactive, {
    xMax: stepsTotal,
    yMax: 1,
    series: Array.from({ length: state.settings.depth }, (_, layer) => ({
      colour: LAYER_COLOURS[layer % LAYER_COLOURS.length]!,
      points: run.measurements.map((measurement) => [measurement.step, measurement.inactive[layer]!.length / width] as const),
      label: `layer ${layer + 1}`,
    })),
  });
  const counts = drawRaster(panel.raster, run.measurements, state.settings.depth, width);
  panel.legend.innerHTML = '<span class="swatch active"></span>active <span class="swatch inactive"></span>inactive ' +
    '<span class="swatch revived"></span>revived (active after being inactive) · ' +
    `now: ${counts.inactive} inactive, ${counts.revived} revived`;
  if (state.shown !== null) {
    if (panel.digits.childElementCount === 0) {
      state.shown.labels.forEach((_, i) => {
        const figure = element('figure', 'digit');
        const image = canvas(state.shown!.side, state.shown!.side, `digit-${i}`);
        drawDigit(image, state.shown!.images.subarray(i * state.shown!.side ** 2, (i + 1) * state.shown!.side ** 2), state.shown!.side);
        figure.append(image, element('figcaption', ''));
        panel.digits.append(figure);
      });
    }
    Array.from(panel.digits.children).forEach((figure, i) => {
      const caption = figure.querySelector('figcaption')!;
      const predicted = run.predictions[i];
      const label = state.shown!.labels[i];
      caption.textContent = predicted === undefined ? `${label}: –` : `${label}: said ${predicted}`;
      caption.className = predicted === undefined ? '' : predicted === label ? 'right' : 'wrong';
    });
  }
}

function render(): void {
  buttons.run.textContent = state.running ? 'Pause' : 'Run';
  buttons.run.disabled = !state.ready;
  buttons.step.disabled = !state.ready;
  byId('status').textContent = !state.ready ? 'Loading the 10,000 digits…'
    : state.errors.length > 0 ? `Error: ${state.errors.at(-1)}`
      : `${state.running ? 'Training' : 'Paused'}${state.stepsPerSecond === null ? '' : ` · ${Math.round(state.stepsPerSecond)} steps per second (with the measurements)`}`;
  state.runs.forEach((run, index) => { if (panels[index] !== undefined) renderRun(run, panels[index]!); });
}

let frame = 0;
worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'ready':
      state.ready = true;
      state.shown = message.shown;
      break;
    case 'progress':
      message.runs.forEach(merge);
      state.running = message.running;
      state.stepsPerSecond = message.stepsPerSecond;
      state.reports++;
      break;
    case 'error':
      state.errors.push(message.message);
      state.running = false;
      break;
    default:
      // digest and benchmark answers go to whoever asked (ask() below).
      return;
  }
  cancelAnimationFrame(frame);
  frame = requestAnimationFrame(render);
};
worker.onerror = (event) => {
  state.errors.push(event.message);
  render();
};

/** Sends a request and resolves with the worker's next answer of that type. */
function ask<T extends FromWorker['type']>(message: ToWorker, answer: T): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve) => {
    const listener = (event: MessageEvent<FromWorker>): void => {
      if (event.data.type !== answer) return;
      worker.removeEventListener('message', listener);
      resolve(event.data as Extract<FromWorker, { type: T }>);
    };
    worker.addEventListener('message', listener);
    send(message);
  });
}

window.playground = {
  state,
  digests: async () => (await ask({ type: 'digest' }, 'digest')).digests,
  benchmark: async (steps) => {
    const { stepsPerSecond, kernel } = await ask({ type: 'benchmark', steps }, 'benchmark');
    return { stepsPerSecond, kernel };
  },
  step: async (steps) => {
    state.running = false;
    await ask({ type: 'step', steps }, 'progress');
  },
};

send({ type: 'load', url: new URL('mnist-digits.bin.gz', document.baseURI).href });
reset();
