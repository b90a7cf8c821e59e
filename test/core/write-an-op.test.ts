/** docs/write-an-op.md cannot drift: every ```ts block runs and prints exactly the ```text block after it. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { docBlocks, runDocBlock } from '../doc-blocks.js';

const pagePath = fileURLToPath(new URL('../../docs/write-an-op.md', import.meta.url));

describe('docs/write-an-op.md', () => {
  const blocks = docBlocks(pagePath);

  it('builds an op, checks it, and shows a wrong backward failing, each with its output', () => {
    expect(blocks).toHaveLength(3);
    expect(blocks.every((block) => block.expectedOutput !== null)).toBe(true);
    expect(blocks[2]!.expectedOutput).toMatch(/^false\ngradcheck: FAILED; worst at input 0/);
  });

  it.each(blocks.map((block) => [block.line, block] as const))('the block at line %i runs and prints what the page shows', async (_line, block) => {
    expect(await runDocBlock(pagePath, block)).toBe(block.expectedOutput);
  });
});
