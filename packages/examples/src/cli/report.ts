/**
 * `gradlab report FILE...` or `gradlab report DIR`: aggregates sweep results
 * files, or every shard file of a sweep's folder, into a report.
 */
import { dirname, join } from 'node:path';
import { mergeRuns, missingRunLines, missingRunsText, readReportInputs, toJsonLines } from '../cluster/merge.js';
import { writeOutputFile } from '../io/atomic.js';
import { quantity } from '../report/format.js';
import { aggregate, SWEEP_REPORT_FILES, writeSweepReport } from '../report/sweep.js';
import { defineCommand } from './command.js';
import { refuseOutputOverInput } from './files.js';

const flags = {
  out: { kind: 'string', description: 'Report folder (default: the sweep\'s folder, or the folder of the first FILE)' },
} as const;

export const reportCommand = defineCommand(
  {
    name: 'report',
    summary: 'Aggregates sweep results (JSON lines, one or more files, e.g. one per shard, or a sweep\'s folder with all its shard files) over seeds into summary.json, summary.csv, charts and report.md. ' +
      'A run recorded twice must have the same results; for a folder it also writes merged.jsonl (every run once, in grid order) and lists the runs still missing.',
    flags,
    positionals: { names: 'FILE...', min: 1, max: 1000 },
  },
  async (options, files, context) => {
    const inputs = readReportInputs(files, context.log);
    const merged = mergeRuns(inputs.sources, inputs.manifest);
    const records = inputs.sources.flatMap((source) => source.records);
    if (records.length === 0) throw new Error(`no finished runs in ${files.join(', ')}`);
    const outDir = options.out ?? inputs.folder ?? dirname(files[0]!);
    const outputs = [...SWEEP_REPORT_FILES, ...(inputs.folder !== undefined ? ['merged.jsonl'] : [])].map((name) => join(outDir, name));
    refuseOutputOverInput('report', outputs, inputs.sources.map((source) => source.path), 'give --out another folder');
    const missingRuns = inputs.manifest === undefined ? undefined : { gridRuns: inputs.manifest.runs.length, lines: missingRunLines(merged, inputs.manifest) };
    const written = await writeSweepReport(records, inputs.sources.map((source) => source.path), outDir, missingRuns);
    if (inputs.folder !== undefined) {
      writeOutputFile(join(outDir, 'merged.jsonl'), toJsonLines(merged.records));
      written.push(join(outDir, 'merged.jsonl'));
    }
    const { groups, runs } = aggregate(records);
    const missing = missingRunsText(merged, inputs.manifest);
    const foreign = merged.foreign.length > 0 ? `\nreport: ${merged.foreign.length} runs are not in the folder's sweep.json grid (kept), e.g. ${merged.foreign[0]}` : '';
    return { filesWritten: written, summary: `report: ${quantity(runs, 'run')} in ${quantity(groups.length, 'grid point')}${missing ? `\n${missing}` : ''}${foreign}` };
  },
);
