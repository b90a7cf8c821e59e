/**
 * Small helpers for the report.md files: tables and the command line that
 * reproduces a run.
 */

/**
 * A GitHub-flavoured markdown table. Cells are escaped so a `|` cannot break a row.
 *
 * @example
 * markdownTable(['a', 'b'], [['1', '2']]); // "| a | b |\n| --- | --- |\n| 1 | 2 |"
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('left' | 'right')[]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const separator = header.map((_, i) => (align?.[i] === 'right' ? '---:' : '---'));
  return [header, separator, ...rows].map((row) => `| ${row.map(escape).join(' | ')} |`).join('\n');
}

/**
 * Parses the first markdown table after the heading `heading` in `markdown`
 * into rows of cells (header excluded). Used by tests that check a report
 * against its results.json.
 */
export function readMarkdownTable(markdown: string, heading: string): { header: string[]; rows: string[][] } {
  const start = markdown.indexOf(heading);
  if (start < 0) throw new Error(`readMarkdownTable: no heading '${heading}'`);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  if (first < 0) throw new Error(`readMarkdownTable: no table after '${heading}'`);
  const tableLines: string[] = [];
  for (let i = first; i < lines.length && lines[i]!.startsWith('|'); i++) tableLines.push(lines[i]!);
  const split = (line: string): string[] =>
    line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
  const [header, , ...rows] = tableLines.map(split);
  return { header: header ?? [], rows };
}

/**
 * The shell command that reproduces a run: `gradlab <command>` followed by
 * every flag that differs from its default.
 *
 * @example
 * commandLine('dead-neurons', { lr: 0.1, depth: 10 }, { lr: 0.01, depth: 10 }); // "gradlab dead-neurons --lr 0.1"
 */
export function commandLine(command: string, values: Readonly<Record<string, unknown>>, defaults: Readonly<Record<string, unknown>>): string {
  const words = [`gradlab ${command}`];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || JSON.stringify(value) === JSON.stringify(defaults[key])) continue;
    const flag = `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    if (value === true) words.push(flag);
    else if (value !== false) words.push(`${flag} ${Array.isArray(value) ? value.join(',') : String(value)}`);
  }
  return words.join(' ');
}
