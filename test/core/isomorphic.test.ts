/**
 * The entry points of @gradlab/core and @gradlab/nn that browsers get (package.json's
 * "browser" and "default" conditions) import nothing of Node's: every module they reach,
 * following relative imports and the packages' own entry points, has no `node:`
 * import (a type-only import is erased); nor do the playground modules the page bundles.
 * The page test (test/browser/) runs them in Chromium.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Package entry points by specifier, as the "default" condition resolves them (the TypeScript sources). */
const ENTRY_POINTS: Record<string, string> = {
  '@gradlab/core': 'packages/core/src/index.ts',
  '@gradlab/core/kernels': 'packages/core/src/kernels/index.ts',
  '@gradlab/core/relaxed-simd': 'packages/core/src/relaxed-simd-browser.ts',
  '@gradlab/nn': 'packages/nn/src/index.ts',
};

/** The value imports (and re-exports) of a TypeScript module: `import type` and `export type` are left out. */
function valueImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) if (match[2] === undefined) specifiers.push(match[3]!);
  return specifiers;
}

/** Every module reachable from `entry`, with the `node:` imports found on the way. */
function walk(entry: string): { modules: Set<string>; nodeImports: string[] } {
  const modules = new Set<string>();
  const nodeImports: string[] = [];
  const visit = (file: string): void => {
    if (modules.has(file)) return;
    modules.add(file);
    for (const specifier of valueImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('node:')) nodeImports.push(`${file.slice(root.length)} imports ${specifier}`);
      else if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (Object.hasOwn(ENTRY_POINTS, specifier)) visit(join(root, ENTRY_POINTS[specifier]!));
    }
  };
  visit(join(root, entry));
  return { modules, nodeImports };
}

describe('the browser entry points of @gradlab/core and @gradlab/nn', () => {
  it.each(Object.entries(ENTRY_POINTS))('%s (%s) reaches no node: module', (_name, entry) => {
    const { modules, nodeImports } = walk(entry);
    expect(nodeImports).toEqual([]);
    expect(modules.size).toBeGreaterThan(0);
  });

  it.each(['packages/examples/src/playground/session.ts', 'packages/examples/src/playground/digits.ts'])(
    'the playground\'s %s, which the page bundles, reaches no node: module either', (entry) => {
      const { modules, nodeImports } = walk(entry);
      expect(nodeImports).toEqual([]);
      expect(modules.size).toBeGreaterThan(0);
    });

  it('include the kernels and the instrument, and leave the files to the Node entry point', () => {
    const nn = walk(ENTRY_POINTS['@gradlab/nn']!).modules;
    const reached = (path: string): boolean => nn.has(join(root, path));
    expect(reached('packages/core/src/kernels/matmul-wasm.ts')).toBe(true);
    expect(reached('packages/nn/src/analysis/dead-neurons.ts')).toBe(true);
    expect(reached('packages/nn/src/checkpoint/files.ts')).toBe(false);
    expect(walk('packages/nn/src/node.ts').nodeImports).toContain('packages/nn/src/checkpoint/files.ts imports node:fs');
  });

  it('the package exports give Node the entry points with files, everyone else the portable ones', () => {
    const nn = JSON.parse(readFileSync(join(root, 'packages/nn/package.json'), 'utf8')) as { exports: Record<string, Record<string, { default: string }>> };
    expect(nn.exports['.']!['node']!.default).toBe('./dist/node.js');
    expect(nn.exports['.']!['browser']!.default).toBe('./dist/index.js');
    expect(nn.exports['.']!['default']!.default).toBe('./dist/index.js');
  });
});
