/**
 * docs/autodiff.md cannot drift from the code: every ```ts block in it runs and
 * prints exactly the ```text block that follows it; its `mul` is ops.ts's,
 * line for line; and its line counts (and the README's) are within 10 % of the
 * files' real lengths.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { docBlocks, runDocBlock } from '../doc-blocks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tourPath = `${root}docs/autodiff.md`;
const tour = readFileSync(tourPath, 'utf8');
const coreSrc = `${root}packages/core/src/`;

describe('docs/autodiff.md', () => {
  const blocks = docBlocks(tourPath);

  it('has code blocks, most of them with their output', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    expect(blocks.filter((block) => block.expectedOutput !== null).length).toBe(blocks.length);
  });

  it.each(blocks.map((block) => [block.line, block] as const))('the block at line %i runs and prints what the page shows', async (_line, block) => {
    const printed = await runDocBlock(tourPath, block);
    if (block.expectedOutput !== null) expect(printed).toBe(block.expectedOutput);
  });

  it("shows ops.ts's own mul, line for line (only the asTensor lines left out)", () => {
    const block = blocks.find((candidate) => candidate.code.includes('function mul('))!;
    const snippet = block.code.slice(block.code.indexOf('function mul('));
    const body = snippet.split('\n').slice(1, snippet.split('\n').indexOf('}')).map((line) => line.trim());
    const ops = readFileSync(`${coreSrc}ops.ts`, 'utf8');
    const mulInOps = ops.slice(ops.indexOf('export function mul('));
    const opsLines = mulInOps.slice(0, mulInOps.indexOf('\n}\n')).split('\n').map((line) => line.trim());
    expect(body.length).toBeGreaterThan(10);
    expect(body.filter((line) => !opsLines.includes(line))).toEqual([]);
  });

  it('leaves a marked place for the graph picture', () => {
    expect(tour).toMatch(/<!-- graph picture[^>]*-->/);
  });
});

/** Lines in a file, as `wc -l` counts them. */
const linesOf = (path: string) => readFileSync(path, 'utf8').split('\n').length - 1;
const kernelFiles = () => [
  ...readdirSync(`${coreSrc}kernels`).filter((name) => name.endsWith('.ts')).map((name) => `${coreSrc}kernels/${name}`),
  ...readdirSync(`${coreSrc}kernels/wasm`).filter((name) => name.endsWith('.wat')).map((name) => `${coreSrc}kernels/wasm/${name}`),
];
const kernelLines = () => kernelFiles().reduce((total, path) => total + linesOf(path), 0);
const READING_ORDER = ['tensor.ts', 'ops.ts', 'autograd.ts', 'broadcast.ts', 'shape.ts', 'gradcheck.ts'];
const readingLines = () => READING_ORDER.reduce((total, name) => total + linesOf(`${coreSrc}${name}`), 0);
const number = (text: string) => Number(text.replace(/,/g, ''));
/** Lines that are neither blank nor comments (starting with /**, *, // or *\/). */
const codeLinesOf = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1)
  .filter((line) => line.trim() !== '' && !/^(\/\*\*|\*|\/\/)/.test(line.trim())).length;
const readingCodeLines = () => READING_ORDER.reduce((total, name) => total + codeLinesOf(`${coreSrc}${name}`), 0);

/** Within 10 %, or a message that says what to write. */
function expectAbout(where: string, stated: number, actual: number): void {
  expect(Math.abs(stated - actual) <= 0.1 * actual, `${where} says ${stated} lines; the files have ${actual}: update it`).toBe(true);
}

describe('the line counts the docs give', () => {
  it('docs/autodiff.md: each file in its tables', () => {
    const rows = [...tour.matchAll(/^\| `([^`]+)`[^|]* \| ([\d,]+) \|/gm)];
    const named = new Map(rows.map(([, file, lines]) => [file!, number(lines!)]));
    expect([...named.keys()].slice(0, READING_ORDER.length + 1)).toEqual([...READING_ORDER, 'kernels/']);
    const unlisted = readdirSync(coreSrc).filter((name) => name.endsWith('.ts') && !named.has(name));
    expect(unlisted, 'docs/autodiff.md: add these files of packages/core/src to "what to read" or "what to skip", with their line counts').toEqual([]);
    for (const [file, stated] of named) {
      const actual = file === 'kernels/' ? kernelLines() : linesOf(`${coreSrc}${file}`);
      expectAbout(`docs/autodiff.md (${file})`, stated, actual);
    }
    const total = /That is ([\d,]+) lines, of which ([\d,]+) are code/.exec(tour);
    expect(total, 'docs/autodiff.md gives the total of the six files').not.toBeNull();
    expectAbout('docs/autodiff.md (the six files together)', number(total![1]!), readingLines());
    expectAbout('docs/autodiff.md (the code lines of the six files)', number(total![2]!), readingCodeLines());
  });

  it("README.md: the autodiff's size and the kernels'", () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const claim = /six files, ([\d,]+) lines\s+with comments \(the fast kernels beside them, ([\d,]+) more/.exec(readme);
    expect(claim, 'README.md states the size of the autodiff and of the kernels').not.toBeNull();
    expectAbout('README.md (the six files)', number(claim![1]!), readingLines());
    expectAbout('README.md (the kernels)', number(claim![2]!), kernelLines());
    expect(readme).not.toContain('short enough to read end to end');
  });
});
