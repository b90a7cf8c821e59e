/**
 * Running `gradlab` in a child process and SIGKILLing it at a chosen moment:
 * a number of progress lines into the run plus a delay, or the moment a
 * temporary file appears (a write in progress).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { join, relative } from 'node:path';
import { GRADLAB, requireBuild } from './cli.js';

/** How a child run ended, with its stderr and the times (ms from start) of the lines matching the marker. */
export interface ChildRun {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly markerTimes: number[];
}

/** When to kill: after the `afterLine`-th marker line (1-based), plus `delayMs`; or at the `afterTemporary`-th temporary file in `folder`. */
export type KillPlan =
  | { readonly afterLine: number; readonly delayMs: number }
  | { readonly folder: string; readonly temporary: RegExp; readonly afterTemporary: number };

/**
 * Runs `gradlab ...args` in `cwd`; with a plan, SIGKILLs it at that moment.
 * `marker` picks the stderr lines that count (one per saved epoch, say).
 */
export function runGradlabChild(args: readonly string[], cwd: string, marker: RegExp, plan?: KillPlan): Promise<ChildRun> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [GRADLAB, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const markerTimes: number[] = [];
    let stderr = '';
    let pending = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    let temporariesSeen = 0;
    const seen = new Set<string>();
    // Names already there (a killed run's leftovers) and deletions (the program removing them) do not count.
    const already = new Set(plan && 'folder' in plan ? readdirSync(plan.folder) : []);
    const watcher = plan && 'folder' in plan
      ? watch(plan.folder, (_event, name) => {
        // A small file's temporary may already be renamed by the time this runs: its first event still counts.
        if (name === null || seen.has(name) || already.has(name) || !plan.temporary.test(name)) return;
        seen.add(name);
        if (++temporariesSeen === plan.afterTemporary) kill();
      })
      : undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (!marker.test(line)) continue;
        markerTimes.push(Date.now() - startedAt);
        if (plan && 'afterLine' in plan && markerTimes.length === plan.afterLine) timer ??= setTimeout(kill, plan.delayMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      watcher?.close();
      resolve({ pid: child.pid!, code, signal, stderr, markerTimes });
    });
  });
}

/** Every file under `dir` (relative path → bytes), leaving out names matching `skip`. */
export function filesUnder(dir: string, skip: RegExp = /^$/): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (!skip.test(name)) files.set(relative(dir, path), readFileSync(path));
    }
  };
  if (existsSync(dir)) visit(dir);
  return files;
}

/** The median gap between consecutive times (ms). */
export function medianGap(times: readonly number[]): number {
  const gaps = times.slice(1).map((time, i) => time - times[i]!).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}
