/**
 * Nothing lost on disk: `save` writes a temporary file and renames it, so a
 * process killed at any moment, or a write that fails, leaves the previous
 * checkpoint whole.
 *
 * The child processes run the built package (packages/nn/dist), as a user's
 * program would; `pnpm test` builds it first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator } from '@gradlab/core';
import { decodeSafetensors, load, mlp, removeLeftoverTemporaries, save, writeFileAtomic, type Module } from '@gradlab/nn';

const nnDist = fileURLToPath(new URL('../../packages/nn/dist/node.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'gradlab-atomic-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** 256 -> 1024 -> 512 -> 10: 793,610 parameters, a 3.2 MB file. */
const ARCHITECTURE = { inputs: 256, hidden: [1024, 512], outputs: 10, activation: 'relu' } as const;
const TEMPORARY_NAME = /^model\.safetensors\.tmp-(\d+)-[0-9a-f]{12}$/;

/**
 * Version v of the model: parameter k, element i holds v + k/8 + i/2^20.
 * The child and this test compute it the same way, so a loaded file can be
 * checked element by element against the version its metadata names.
 */
const fillVersionSource = `
  function fillVersion(model, version) {
    model.parameters().forEach((parameter, k) => {
      for (let i = 0; i < parameter.data.length; i++) parameter.data[i] = version + k / 8 + i / 1048576;
    });
  }`;
const fillVersion = new Function('model', 'version', `${fillVersionSource}; fillVersion(model, version);`) as (model: Module, version: number) => void;

/**
 * The child: saves version after version of the model to `path`, printing
 * `saved <v>` after each save returns, until it is killed.
 */
const saveLoopSource = `
  import { mlp, save } from ${JSON.stringify(pathToFileURL(nnDist).href)};
  ${fillVersionSource}
  const [path, first] = process.argv.slice(-2);
  const model = mlp(${JSON.stringify(ARCHITECTURE)});
  for (let version = Number(first); ; version++) {
    fillVersion(model, version);
    save(model, path, { version: String(version) });
    process.stdout.write('saved ' + version + '\\n');
  }`;

interface Round {
  pid: number;
  /** The versions the child reported as saved, in order. */
  saved: number[];
}

/**
 * Starts the save loop at version `first` and SIGKILLs it `delayMs` after a
 * trigger: its first completed save ('after-save': a random moment anywhere
 * in the loop), or the appearance of a temporary file ('mid-write': aimed at
 * the write itself, which is about a third of the loop).
 */
function saveThenKill(path: string, first: number, trigger: 'after-save' | 'mid-write', delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', saveLoopSource, '--', path, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const saved: number[] = [];
    let output = '';
    let errors = '';
    let timer: NodeJS.Timeout | undefined;
    const killSoon = () => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    const watcher = trigger === 'mid-write'
      ? watch(dirname(path), (_event, name) => { if (name !== null && TEMPORARY_NAME.test(name)) killSoon(); })
      : null;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split('\n');
      output = lines.pop()!;
      for (const line of lines) saved.push(Number(line.replace('saved ', '')));
      if (trigger === 'after-save' && saved.length > 0) killSoon();
    });
    child.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      watcher?.close();
      if (signal !== 'SIGKILL') reject(new Error(`the save loop ended without being killed (signal ${signal}): ${errors}`));
      else resolve({ pid: child.pid!, saved });
    });
  });
}

/** Loads `path` into a fresh model and returns the version it holds, checking every element against that version. */
function loadedVersion(path: string): number {
  const model = mlp({ ...ARCHITECTURE, hidden: [...ARCHITECTURE.hidden], generator: new Generator(0) });
  const metadata = load(model, path);
  const version = Number(metadata.version);
  expect(Number.isInteger(version)).toBe(true);
  const expected = mlp({ ...ARCHITECTURE, hidden: [...ARCHITECTURE.hidden], generator: new Generator(0) });
  fillVersion(expected, version);
  const actual = model.parameters();
  expected.parameters().forEach((parameter, k) => {
    // Compare whole arrays at once; a mismatch anywhere means a mixed or partial file.
    expect(Buffer.from(actual[k]!.data.buffer).equals(Buffer.from(parameter.data.buffer)), `parameter ${k} of version ${version}`).toBe(true);
  });
  return version;
}

describe('a save killed with SIGKILL at a random moment leaves a complete file', () => {
  it('6 kills, half aimed at the write: each time the file loads to the last reported version or the one after, never a partial one', async () => {
    expect(existsSync(nnDist), 'packages/nn/dist is missing: run `pnpm run build` (the test command does)').toBe(true);
    const killDir = join(directory, 'kills');
    mkdirSync(killDir);
    const path = join(killDir, 'model.safetensors');
    const generator = new Generator('atomic-write kills');
    const killedPids = new Set<number>();
    let fileVersion = -1;
    let midWrite = 0;
    for (let round = 0; round < 6; round++) {
      // Round 0 kills after a completed save, so that a file exists from then on.
      const trigger = round % 2 === 0 ? 'after-save' : 'mid-write';
      const delayMs = Math.floor(generator.uniform() * (trigger === 'after-save' ? 120 : 5));
      const { pid, saved } = await saveThenKill(path, fileVersion + 1, trigger, delayMs);
      killedPids.add(pid);
      // The file holds the last version whose save returned (from this run, or
      // the previous one if this run completed none), or the next one if it was
      // renamed into place just before the kill. Nothing saved is ever lost.
      const lastSaved = saved.at(-1) ?? fileVersion;
      const version = loadedVersion(path);
      expect([lastSaved, lastSaved + 1]).toContain(version);
      // Anything else in the directory is a temporary file of a killed child:
      // this one's if the kill landed mid-write (nothing runs after SIGKILL to
      // remove it), or an earlier one's if this child finished no save (a
      // finished save removes the leftovers of processes no longer running).
      for (const name of readdirSync(killDir)) {
        if (name === 'model.safetensors') continue;
        const match = TEMPORARY_NAME.exec(name);
        expect(match, `unexpected file ${name}`).not.toBeNull();
        expect(killedPids.has(Number(match![1]))).toBe(true);
        if (Number(match![1]) === pid) midWrite++;
        if (saved.length > 0) expect(Number(match![1]), `a leftover of an earlier child outlived a finished save: ${name}`).toBe(pid);
      }
      fileVersion = version;
    }
    expect(midWrite).toBeGreaterThanOrEqual(1); // at least one kill did land mid-write
    // The next save does not trip over the leftovers, and removes them all.
    const model = mlp({ ...ARCHITECTURE, hidden: [...ARCHITECTURE.hidden], generator: new Generator(0) });
    fillVersion(model, fileVersion + 1);
    save(model, path, { version: String(fileVersion + 1) });
    expect(loadedVersion(path)).toBe(fileVersion + 1);
    expect(readdirSync(killDir)).toEqual(['model.safetensors']);
  }, 60_000);
});

describe('a write that fails leaves the previous file intact, with a clear error', () => {
  const small = () => mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'relu', generator: new Generator('small') });

  it('a disk that fills up mid-write (file size limit, EFBIG): the old file is unchanged and the temporary file removed', async () => {
    expect(existsSync(nnDist), 'packages/nn/dist is missing: run `pnpm run build`').toBe(true);
    const fullDir = join(directory, 'full');
    mkdirSync(fullDir);
    const path = join(fullDir, 'model.safetensors');
    save(small(), path, { version: 'old' });
    const before = readFileSync(path);
    // `ulimit -f 64` caps files at 64 KiB; Node ignores SIGXFSZ, so the write fails with EFBIG.
    const child = `
      import { mlp, save } from ${JSON.stringify(pathToFileURL(nnDist).href)};
      try {
        save(mlp(${JSON.stringify(ARCHITECTURE)}), process.argv.at(-1));
        console.log(JSON.stringify({ saved: true }));
      } catch (error) {
        console.log(JSON.stringify({ message: error.message, cause: error.cause?.code }));
      }`;
    const output = await new Promise<string>((resolve, reject) => {
      const shell = spawn('/bin/sh', ['-c', 'ulimit -f 64 && exec "$0" --input-type=module -e "$1" -- "$2"', process.execPath, child, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      shell.stdout.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      shell.on('error', reject);
      shell.on('close', () => resolve(text));
    });
    const result = JSON.parse(output) as { saved?: boolean; message?: string; cause?: string };
    expect(result.saved).toBeUndefined();
    expect(result.message).toContain(`writeFileAtomic: could not write ${path} (the previous file, if any, is unchanged): the file would exceed the size limit of this process or file system (EFBIG); raise the limit (ulimit -f), or use another disk`);
    expect(result.cause).toBe('EFBIG');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(load(small(), path)).toMatchObject({ version: 'old' });
    expect(readdirSync(fullDir)).toEqual(['model.safetensors']);
  });

  it('a path that is a directory: a clear error naming it, and nothing left behind', () => {
    const target = join(directory, 'a-directory');
    mkdirSync(join(target, 'inside'), { recursive: true });
    expect(() => save(small(), target)).toThrow(`writeFileAtomic: could not write ${target} (the previous file, if any, is unchanged): it is a folder, not a file (EISDIR); give the path of a file`);
    expect(readdirSync(directory).filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(readdirSync(target)).toEqual(['inside']);
  });

  it('a missing parent directory, or a parent that is a file: a clear error naming the path', () => {
    const missing = join(directory, 'no-such-directory', 'model.safetensors');
    expect(() => save(small(), missing)).toThrow(`writeFileAtomic: could not write ${missing} (the previous file, if any, is unchanged): its folder does not exist (ENOENT); create the folder, or check the path`);
    const aFile = join(directory, 'plain-file');
    writeFileSync(aFile, 'not a directory');
    const under = join(aFile, 'model.safetensors');
    expect(() => writeFileAtomic(under, new Uint8Array(4))).toThrow(`writeFileAtomic: could not write ${under} (the previous file, if any, is unchanged): a part of the path is a file, not a folder (ENOTDIR); check the path: everything before the last name must be a folder`);
    expect(readFileSync(aFile, 'utf8')).toBe('not a directory');
  });

  it('an encoding error happens before anything is written: the old file is unchanged', () => {
    const path = join(directory, 'encode.safetensors');
    save(small(), path, { version: 'old' });
    const before = readFileSync(path);
    expect(() => save(small(), path, { epoch: 3 as unknown as string })).toThrow("encodeSafetensors: metadata 'epoch' must be a string");
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('loading a directory names it (Node\'s own EISDIR message does not)', () => {
    const target = join(directory, 'load-a-directory');
    mkdirSync(target);
    expect(() => load(small(), target)).toThrow(new Error(`load: cannot read ${target}: it is a folder, not a file; give the path of a file`));
  });

  it('a successful save replaces the file in one step and leaves no temporary file', () => {
    const path = join(directory, 'replace.safetensors');
    const first = small();
    save(first, path, { version: '1' });
    const second = mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'relu', generator: new Generator('other') });
    save(second, path, { version: '2' });
    const { tensors, metadata } = decodeSafetensors(readFileSync(path));
    expect(metadata.version).toBe('2');
    expect(Array.from(tensors['layers.0.weight']!.data)).toEqual(Array.from(second.stateDict()['layers.0.weight']!.data));
    expect(readdirSync(directory).filter((name) => name.startsWith('replace.safetensors.tmp-'))).toEqual([]);
  });
});

describe('leftovers of killed writes', () => {
  /** The id of a process that has exited (a child run to its end). */
  const deadPid = (): number => {
    const child = spawnSync(process.execPath, ['-e', '']);
    expect(child.status).toBe(0);
    return child.pid!;
  };

  it('removeLeftoverTemporaries removes the temporary files of processes that are gone, and only those', () => {
    const folder = join(directory, 'leftovers');
    mkdirSync(folder);
    const path = join(folder, 'model.safetensors');
    const gone = deadPid();
    const names = {
      deadWriter: `model.safetensors.tmp-${gone}-0123456789ab`,
      thisProcess: `model.safetensors.tmp-${process.pid}-0123456789ab`,
      parentProcess: `model.safetensors.tmp-${process.ppid}-0123456789ab`,
      otherTarget: `other.safetensors.tmp-${gone}-0123456789ab`,
      notHex: `model.safetensors.tmp-${gone}-not-hex`,
      backup: 'model.safetensors.bak',
    };
    for (const name of Object.values(names)) writeFileSync(join(folder, name), 'x');
    expect(removeLeftoverTemporaries(path)).toBe(1);
    const left = readdirSync(folder).sort();
    expect(left).toEqual(Object.values(names).filter((name) => name !== names.deadWriter).sort());
    expect(removeLeftoverTemporaries(path)).toBe(0);
    expect(removeLeftoverTemporaries(join(directory, 'no-such-folder', 'model.safetensors'))).toBe(0);
  });

  it('a successful write removes the leftovers of earlier killed writes of the same file', () => {
    const folder = join(directory, 'leftovers-on-write');
    mkdirSync(folder);
    const path = join(folder, 'results.json');
    const leftover = `results.json.tmp-${deadPid()}-00000000abcd`;
    writeFileSync(join(folder, leftover), 'half a file');
    writeFileAtomic(path, new TextEncoder().encode('{}'));
    expect(readdirSync(folder)).toEqual(['results.json']);
    expect(readFileSync(path, 'utf8')).toBe('{}');
  });
});
