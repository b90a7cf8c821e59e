/**
 * `gradlab report FILE...`: aggregates sweep results files into a report.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { readResultsFile, type SweepRecord } from '../experiments/sweep.js';
import { aggregate, writeSweepReport } from '../report/sweep.js';
import { defineCommand } from './command.js';

const flags = {
  out: { kind: 'string', description: 'Report folder (default: the folder of the first FILE)' },
} as const;

export const reportCommand = defineCommand(
  {
    name: 'report',
    summary: 'Aggregates sweep results (JSON lines, one or more files, e.g. one per shard) over seeds into summary.json, summary.csv, charts and report.md.',
    flags,
    positionals: { names: 'FILE...', min: 1, max: 1000 },
  },
  async (options, files, context) => {
    const records: SweepRecord[] = [];
    for (const file of files) {
      if (!existsSync(file)) throw new Error(`${file} does not exist`);
      const read = readResultsFile(file);
      if (read.tornTail) context.log(`report: ignoring the unfinished last line of ${file}`);
      records.push(...read.records);
    }
    if (records.length === 0) throw new Error(`no finished runs in ${files.join(', ')}`);
    const outDir = options.out ?? dirname(files[0]!);
    const written = await writeSweepReport(records, files, outDir);
    const { groups, runs } = aggregate(records);
    return { filesWritten: written, summary: `report: ${runs} runs in ${groups.length} grid points` };
  },
);
