/**
 * gradlab (packages/examples): MNIST data, the dead-neuron experiments and their reports.
 * The `gradlab` command line (cli/main.ts) is a thin layer over these functions.
 *
 * Layout: data/ (loading, splitting, batching MNIST), experiments/ (the
 * training loop and the experiments), report/ (charts, CSV and markdown),
 * io/ (atomic file writes), runner/ (the one experiment runner: an
 * experiment declares its flags, jobs and report; the runner does the rest),
 * cli/ (the command line).
 */
export type { Dataset } from './data/dataset.js';
export { subset, firstImages, countPerLabel, pixelsPerImage } from './data/dataset.js';
export { loadEmbeddedMnist } from './data/mnist.js';
export { parseIdx, readIdxFile, idxToDataset, loadMnistDirectory, loadMnistFiles, idxFileNames, encodeIdx, MAX_IDX_BYTES } from './data/idx.js';
export type { IdxArray } from './data/idx.js';
export { stratifiedSplit, stratifiedSample, proportionalCounts, epochOrder } from './data/split.js';
export type { TrainTestSplit } from './data/split.js';
export { tensorDataset, batchCount } from './data/batches.js';
export { loadData, checkDataSizes, DataSizeError, DEFAULT_TRAIN_SIZE, DEFAULT_TEST_SIZE, EMBEDDED_IMAGE_COUNT } from './data/load.js';
export type { DataOptions } from './data/load.js';

export {
  buildModel, makeOptimizer, trainEpoch, evaluate, EvaluationSum, dataOrderGenerator, startTraining, divergenceOf, OPTIMIZER_NAMES,
} from './experiments/training.js';
export type { ModelConfig, OptimizerConfig, OptimizerName, Divergence, EpochOutcome, Evaluation, TrainingState } from './experiments/training.js';
export { runDeadNeurons, runOneActivation, startNetwork, inactiveMeaning, deadNeuronsResults, networksOf, resultsJson } from './experiments/dead-neurons.js';
export { LifetimeRecorder, lifetimesOf, inactiveUnitsOf } from './experiments/lifetimes.js';
export type { LifetimeMeasurement, LifetimeRecord, LifetimeLayer } from './experiments/lifetimes.js';
export { summarizeSeeds, seedFigures, SEED_METRICS, COMPARED_METRICS } from './experiments/seed-summary.js';
export type { SeedSummary, SeedFigures, SeedMetric, ActivationSummary, ActivationComparison, MetricSummary, LayerSummary } from './experiments/seed-summary.js';
export type {
  DeadNeuronsConfig, DeadNeuronsResults, DeadNeuronsHooks, NetworkInProgress, ActivationRun, EpochSnapshot, LayerSnapshot,
} from './experiments/dead-neurons.js';
export {
  encodeCheckpoint, decodeCheckpoint, restoreTraining, firstFlagMismatch, toExactJson, fromExactJson, CHECKPOINT_KEY, CHECKPOINT_FORMAT_VERSION,
} from './experiments/checkpoint.js';
export type { Checkpoint, SavedTraining } from './experiments/checkpoint.js';
export {
  runBornDead, measureBornDeadCell, bornDeadCellKeys, bornDeadResults, validateBornDeadConfig, bornDeadNetwork, measureBornDead, gridInputs, BORN_DEAD_INITS,
} from './experiments/born-dead.js';
export type { BornDeadConfig, BornDeadResults, BornDeadCell, BornDeadCellKey, BornDeadInit } from './experiments/born-dead.js';
export { expandGrid, runId, parseShard, selectShard, readResultsFile, dropTornTail, toRecord, checkSweepRecord } from './experiments/sweep.js';
export type { SweepGrid, SweepSettings, SweepRun, SweepRecord, SweepLifetimes } from './experiments/sweep.js';
export { autoShard, shardFromFlag, shardFileName, shardOfFileName, SHARD_COUNT_VARIABLE } from './cluster/shards.js';
export type { Shard, SchedulerEnv } from './cluster/shards.js';
export { sbatchScript, checkSlurmRequest, shellQuote, slurmJobName, arrayIndices, parseTaskStates, queueView, submitScript, SBATCH_SCRIPT } from './cluster/slurm.js';
export type { SlurmRequest, TaskCommand, TaskState, CommandRunner } from './cluster/slurm.js';
export { indexedJobManifest, k8sJobName, toYaml, K8S_MANIFEST } from './cluster/k8s.js';
export { sweepManifest, readManifest, writeManifest, checkAgainstManifest, MANIFEST_FILE } from './cluster/manifest.js';
export type { SweepManifest } from './cluster/manifest.js';
export { mergeRuns, sweepFolderFiles, shardOfRun, runsOfShard, readReportInputs, missingRunsText } from './cluster/merge.js';
export type { MergedRuns, RecordSource } from './cluster/merge.js';
export { sweepStatus, statusText } from './cluster/status.js';
export type { SweepStatus, ShardStatus, ShardState } from './cluster/status.js';
export { sweepArguments } from './cluster/sweep-hooks.js';
export { activationCurve, linspace, CURVE_ACTIVATIONS } from './experiments/activation-curves.js';
export { tinyMlpLoss } from './experiments/loss-graph.js';
export type { CurvePoint, CurveActivation } from './experiments/activation-curves.js';

export { renderSvg, svgToPng, svgToPixels, resvgOptions, writeChart, chartFontFile, CHART_FONT } from './report/charts.js';
export { renderDotSvg, GRAPH_FONT } from './report/graph.js';
export { toCsv, parseCsv } from './report/csv.js';
export { shortestFloat32, percent, fixed, quantity } from './report/format.js';
export { markdownTable, readMarkdownTable, commandLine } from './report/markdown.js';
export {
  deadNeuronsMarkdown, deadNeuronsCsv, seedsCsv, unitsCsv, unitsCell, runLabel, formatInterval, readingOfResult, SUMMARY_HEADING, COMPARISONS_HEADING,
} from './report/dead-neurons.js';
export { rasterSegments, unitRasterChart, revivalsByLayerChart } from './report/lifetime-charts.js';
export {
  REMEDIES, REMEDY_NAMES, BASELINE, REMEDY_METRICS, isRemedyName, remedyNetworks, measurementConfig, startRemedy, freshRemedyNetwork, runOneRemedy, runRemedies,
  remedyFigures, summarizeRemedies, claimVerdict, remediesResults, validateRemediesConfig,
} from './experiments/remedies.js';
export type {
  RemedyName, RemedySpec, RemedyClaim, ClaimMetric, RemediesConfig, RemedyRun, RemedyFigures, RemedyMetric, RemedySummary, RemedyComparison,
  ClaimVerdict, CheckedClaim, RemediesSummary, RemediesResults,
} from './experiments/remedies.js';
export {
  remediesMarkdown, remediesSeedsCsv, writeRemediesReport, claimSentence, remedyLabel, permanentlyDeadChart, accuracyVsDeadChart, deathByLayerChart,
  REMEDY_CHARTS, REMEDIES_SUMMARY_HEADING,
} from './report/remedies.js';
export type { TrainingSeconds } from './report/remedies.js';
export { bornDeadMarkdown, BORN_DEAD_TABLE_HEADING } from './report/born-dead.js';
export { aggregate, formatSweepMetric, groupLabel, SWEEP_TABLE_HEADING, SWEEP_COMPARISONS_HEADING } from './report/sweep.js';
export type { SweepGroup, SweepMetric, SweepComparison } from './report/sweep.js';
export {
  meanStd, meanInterval, pairedComparison, wilcoxonSignedRank, studentTCdf, studentTQuantile, regularizedIncompleteBeta, logGamma, CONFIDENCE,
} from './report/statistics.js';
export type { MeanStd, MeanInterval, PairedComparison } from './report/statistics.js';

export { writeOutputFile, appendLineDurable, reportFolder } from './io/atomic.js';
export type { ReportFolder } from './io/atomic.js';
export { acquireFileLock, readLockOwner, ownerState, schedulerTask, processAlive } from './io/file-lock.js';
export type { FileLock, LockOwner } from './io/file-lock.js';
export { parseCommandLine, helpText, flagName, closestName, UsageError, MAX_LIST_LENGTH } from './cli/args.js';
export type { CommandSpec, FlagSpec, FlagTable, Preset } from './cli/args.js';
export { main as runGradlab, interruptMessage, gradlabVersion } from './cli/program.js';
export type { ProgramOutput, MainOptions } from './cli/program.js';
export { CheckpointFile, CHECKPOINT_FILE } from './cli/checkpoints.js';
export { defineExperiment } from './runner/experiment.js';
export type { Experiment, AnyExperiment, JobContext, RunView, RunOutput, RunPlan, FinishedRun } from './runner/experiment.js';
export { runExperiment, experimentCommand, reproducingCommand } from './runner/run.js';
export { checkpointStore, resultsFileStore, saveCheckpoint, loadCheckpoint } from './runner/stores.js';
export type { JobStore, JobCheckpoint, SavedJob, CheckpointStoreOptions, ResultsFileStoreOptions } from './runner/stores.js';
export { EXPERIMENTS } from './experiments/registry.js';
export type { ExperimentEntry, ExperimentName } from './experiments/registry.js';
export { Progress, formatDuration } from './cli/progress.js';
