/**
 * Runs the built `gradlab` program (packages/examples/dist/cli/main.js) as a
 * user would, in a child process. `npx pnpm@12.4.2 test` builds it before
 * vitest starts; when running one test file alone, build first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GRADLAB = fileURLToPath(new URL('../../../packages/examples/dist/cli/main.js', import.meta.url));

export function requireBuild(): void {
  if (!existsSync(GRADLAB)) {
    throw new Error(`${GRADLAB} is missing: run \`npx pnpm@12.4.2 run build\` before running this test file on its own`);
  }
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `gradlab ...args` to completion. */
export function gradlab(args: readonly string[], cwd?: string): CliResult {
  requireBuild();
  const result = spawnSync(process.execPath, [GRADLAB, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `gradlab ...args` and returns the running process. */
export function startGradlab(args: readonly string[], cwd?: string): ChildProcess {
  requireBuild();
  return spawn(process.execPath, [GRADLAB, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh temporary directory. */
export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gradlab-${prefix}-`));
}

/** The paths listed under "Wrote N files:" in a command's output. */
export function filesWritten(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => /^Wrote \d+ files?:$/.test(line));
  if (start < 0) return [];
  const count = Number(/^Wrote (\d+)/.exec(lines[start]!)![1]);
  return lines.slice(start + 1, start + 1 + count).map((line) => line.trim());
}
