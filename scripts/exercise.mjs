#!/usr/bin/env node
/**
 * The exercise grader: `npx -y pnpm@12.4.2 exercise <name>` grades
 * exercises/<name>.ts (the file you fill in) with the checks in
 * exercises/grader.ts, and says in plain words what is wrong.
 *
 *   node scripts/exercise.mjs                 lists the exercises
 *   node scripts/exercise.mjs relu-backward   grades exercises/relu-backward.ts
 *   node scripts/exercise.mjs relu-backward --file PATH   grades another file
 *   node scripts/exercise.mjs relu-backward --solution    grades the reference solution
 *
 * It builds @gradlab/core first if needed (`--no-build` skips that), then
 * compiles the TypeScript files with the TypeScript compiler (no type check:
 * the checks judge what the code does) into node_modules/.cache/gradlab-exercises/.
 * Exit code: 0 all checks passed, 1 a check failed, 2 bad command line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npx -y pnpm@12.4.2 exercise <name> [--file PATH | --solution] [--no-build]';

function usageError(message) {
  process.stderr.write(`exercise: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const positional = [];
let file = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--file') {
    file = args[++i];
    if (file === undefined) usageError('--file needs a path');
  } else if (!args[i].startsWith('--')) {
    positional.push(args[i]);
  }
}
for (const flag of flags) {
  if (!['--file', '--solution', '--no-build'].includes(flag)) usageError(`unknown flag ${flag}`);
}
if (flags.has('--file') && flags.has('--solution')) usageError('give --file or --solution, not both');
if (positional.length > 1) usageError(`one exercise at a time, got ${positional.join(', ')}`);

// Build core (quietly) so that dist/ matches the sources.
if (!flags.has('--no-build')) {
  try {
    execFileSync(process.execPath, [resolve(root, 'scripts/build-kernels.mjs')], { cwd: root, stdio: 'pipe' });
    execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/core'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    process.stderr.write(`exercise: building @gradlab/core failed:\n${error.stdout ?? ''}${error.stderr ?? ''}\n`);
    process.exit(1);
  }
}
const coreEntry = resolve(root, 'packages/core/dist/index.js');
if (!existsSync(coreEntry)) {
  process.stderr.write('exercise: packages/core/dist is missing; run without --no-build, or `npx -y pnpm@12.4.2 run build`\n');
  process.exit(1);
}

const ts = (await import('typescript')).default;
const cache = resolve(root, 'node_modules/.cache/gradlab-exercises');
mkdirSync(cache, { recursive: true });

/** Compiles one TypeScript file to an ES module in the cache, with '@gradlab/core' pointing at the build. */
function compile(path, name) {
  const source = readFileSync(path, 'utf8');
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: path,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  });
  if (diagnostics?.length) {
    const text = diagnostics.map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      return `${path}${where ? `:${where.line + 1}:${where.character + 1}` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    }).join('\n');
    process.stderr.write(`exercise: ${basename(path)} is not valid TypeScript:\n${text}\n`);
    process.exit(1);
  }
  const rewritten = outputText.replace(/from\s+['"]@gradlab\/core['"]/g, `from ${JSON.stringify(pathToFileURL(coreEntry).href)}`);
  // A fresh file name each time, so an edited answer is never served from Node's module cache.
  const out = resolve(cache, `${name}-${process.pid}-${Date.now()}.mjs`);
  writeFileSync(out, rewritten);
  return out;
}

/** Compiles and imports one file, then removes the compiled copy (the module stays loaded). */
async function load(path, name) {
  const compiled = compile(path, name);
  try {
    return await import(pathToFileURL(compiled).href);
  } finally {
    rmSync(compiled, { force: true });
  }
}

const { EXERCISES, grade } = await load(resolve(root, 'exercises/grader.ts'), 'grader');
const names = Object.keys(EXERCISES);

if (positional.length === 0) {
  process.stdout.write('The exercises, in order (each is a file in exercises/ to fill in):\n');
  names.forEach((name, i) => process.stdout.write(`  ${i + 1}. ${name.padEnd(16)} ${EXERCISES[name].title}\n`));
  process.stdout.write('\nStart with: npx -y pnpm@12.4.2 exercise relu-backward\n');
  process.exit(0);
}
const [name] = positional;
if (!Object.hasOwn(EXERCISES, name)) usageError(`there is no exercise '${name}'; the exercises are ${names.join(', ')}`);

const path = file !== null ? resolve(file) : resolve(root, flags.has('--solution') ? `exercises/solutions/${name}.ts` : `exercises/${name}.ts`);
if (!existsSync(path) || !statSync(path).isFile()) {
  process.stderr.write(`exercise: ${path} is not a file\n`);
  process.exit(file !== null ? 2 : 1);
}

let answer;
try {
  answer = await load(path, name);
} catch (error) {
  process.stderr.write(`exercise: loading ${path} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
process.stdout.write(`Grading ${relative(process.cwd(), path) || path} (${name}: ${EXERCISES[name].title})\n`);
const report = grade(name, answer);
for (const line of report.lines) process.stdout.write(`${line}\n`);
if (report.passed) {
  const next = names[names.indexOf(name) + 1];
  process.stdout.write(`\nAll ${report.lines.length} checks passed.${next ? ` Next: npx -y pnpm@12.4.2 exercise ${next}` : ' That was the last exercise.'}\n`);
  process.exit(0);
}
process.stdout.write(`\nNot yet: fix the first ✗ above and run the command again.\n`);
process.exit(1);
