/**
 * Runs the TypeScript code blocks of a Markdown page, so the docs cannot drift
 * from the code. Each ```ts block is a small program of its own (with its own
 * imports); where a ```text block follows it, that is what the program must
 * print, exactly.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { format } from 'node:util';
import { vi } from 'vitest';

export interface DocBlock {
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
  readonly code: string;
  /** The ```text block right after it, if any: the exact output. */
  readonly expectedOutput: string | null;
}

/** The ```ts blocks of a Markdown file, each with the ```text block that follows it, if one does. */
export function docBlocks(markdownPath: string): DocBlock[] {
  const lines = readFileSync(markdownPath, 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  const fenced = (start: number): { body: string; end: number } => {
    let end = start + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    return { body: lines.slice(start + 1, end).join('\n'), end };
  };
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const { body, end } = fenced(i);
    let next = end + 1;
    while (next < lines.length && lines[next]!.trim() === '') next++;
    const expectedOutput = lines[next] === '```text' ? fenced(next).body : null;
    blocks.push({ line: i + 1, code: body, expectedOutput });
    i = end;
  }
  return blocks;
}

/** Runs one block as a module and returns what it printed with console.log, one line per call. */
export async function runDocBlock(markdownPath: string, block: DocBlock): Promise<string> {
  const dir = join(tmpdir(), `gradlab-doc-blocks-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${basename(markdownPath, '.md')}-line-${block.line}.ts`);
  writeFileSync(file, block.code);
  const printed: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(format(...args)); // what console.log would print
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
  }
  return printed.join('\n');
}
