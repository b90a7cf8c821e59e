/**
 * Shards of a sweep on a cluster: which shard this process is (`--shard auto`
 * reads it from the scheduler's environment), and the file each shard writes.
 *
 * Shards are 1-based, as in `--shard i/n`: shard i keeps grid positions
 * i-1, i-1+n, i-1+2n, … (`selectShard`). Every shard writes only its own
 * file, `results.shard-i-of-n.jsonl`, in the sweep's folder, so no two array
 * tasks ever append to the same file.
 */
import { parseShard } from '../experiments/sweep.js';

/** Shard i of n (1 <= i <= n). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The environment variables `--shard auto` reads (a subset of process.env). */
export type SchedulerEnv = Readonly<Record<string, string | undefined>>;

/** Set by gradlab's sbatch script and Kubernetes manifest: the number of shards, when `--shard-count` is not given. */
export const SHARD_COUNT_VARIABLE = 'GRADLAB_SHARD_COUNT';

function integerVariable(env: SchedulerEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`--shard auto: ${name} must be a whole number, got '${text}'`);
  return Number(text);
}

/**
 * The shard of this process for `--shard auto`, from the scheduler's variables.
 *
 * - **Slurm job array** (`SLURM_ARRAY_TASK_ID` set). Without a shard count
 *   (`--shard-count` or `GRADLAB_SHARD_COUNT`) the array's tasks are the
 *   shards: i = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1 and
 *   n = SLURM_ARRAY_TASK_COUNT, so `--array=0-7`, `--array=1-8` and
 *   `--array=1-8%2` (at most 2 at a time) all make shards 1…8 of 8. The ids
 *   must be consecutive (`--array=1,3,5` is refused). With a shard count the
 *   task id *is* the shard number (ids 1…n): gradlab's own script works
 *   this way, so that resubmitting one index (`sbatch --array=3 …`) still
 *   runs shard 3 of n.
 * - **Kubernetes Indexed Job** (`JOB_COMPLETION_INDEX` set, 0-based):
 *   i = JOB_COMPLETION_INDEX + 1, n from the shard count (required).
 *
 * @example
 * autoShard({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_COUNT: '8' }); // { index: 1, count: 8 }
 * autoShard({ JOB_COMPLETION_INDEX: '3' }, 8); // { index: 4, count: 8 }
 */
export function autoShard(env: SchedulerEnv, shardCount?: number): Shard {
  const count = shardCount ?? integerVariable(env, SHARD_COUNT_VARIABLE);
  if (count !== undefined && count < 1) throw new Error(`--shard auto: the shard count must be at least 1, got ${count}`);
  const taskId = integerVariable(env, 'SLURM_ARRAY_TASK_ID');
  if (taskId !== undefined) {
    if (count !== undefined) {
      if (taskId < 1 || taskId > count) {
        throw new Error(`--shard auto: SLURM_ARRAY_TASK_ID is ${taskId}, but with ${count} shards (--shard-count or ${SHARD_COUNT_VARIABLE}) the array's task ids are the shard numbers 1-${count} (--array=1-${count}); ` +
          'leave the shard count out to number the shards from the array\'s first id');
      }
      return { index: taskId, count };
    }
    const min = integerVariable(env, 'SLURM_ARRAY_TASK_MIN');
    const max = integerVariable(env, 'SLURM_ARRAY_TASK_MAX');
    const tasks = integerVariable(env, 'SLURM_ARRAY_TASK_COUNT');
    if (min === undefined || max === undefined || tasks === undefined) {
      throw new Error('--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN, _MAX or _COUNT is not; give --shard-count N (task ids 1-N are the shards)');
    }
    if (max - min + 1 !== tasks) {
      throw new Error(`--shard auto: the array's task ids are not consecutive (min ${min}, max ${max}, ${tasks} tasks, as with --array=1,3,5 or a step); ` +
        'use consecutive ids (--array=1-8 or 0-7, %N to throttle is fine) or give --shard-count N with ids 1-N');
    }
    return { index: taskId - min + 1, count: tasks };
  }
  const completionIndex = integerVariable(env, 'JOB_COMPLETION_INDEX');
  if (completionIndex !== undefined) {
    if (count === undefined) throw new Error(`--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the number of shards: give --shard-count N or set ${SHARD_COUNT_VARIABLE} (= the Job's completions)`);
    if (completionIndex >= count) throw new Error(`--shard auto: JOB_COMPLETION_INDEX is ${completionIndex}, beyond the ${count} shards (indices 0-${count - 1})`);
    return { index: completionIndex + 1, count };
  }
  throw new Error('--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; outside a scheduler give --shard i/n');
}

/**
 * The `--shard` flag: `i/n`, or `auto` for the scheduler's task index.
 *
 * @example
 * shardFromFlag('2/4', {}); // { index: 2, count: 4 }
 */
export function shardFromFlag(text: string, env: SchedulerEnv, shardCount?: number): Shard {
  if (text === 'auto') return autoShard(env, shardCount);
  if (shardCount !== undefined) throw new Error('--shard-count only goes with --shard auto');
  return parseShard(text);
}

/**
 * The results file of a shard inside a sweep's folder (no folder part).
 *
 * @example
 * shardFileName({ index: 2, count: 4 }); // "results.shard-2-of-4.jsonl"
 */
export function shardFileName(shard: Shard): string {
  return `results.shard-${shard.index}-of-${shard.count}.jsonl`;
}

/** The results file of an unsharded sweep inside its folder. */
export const WHOLE_RESULTS_FILE = 'results.jsonl';

/**
 * The shard a results file name stands for: `{ index: 1, count: 1 }` for
 * `results.jsonl`, undefined for any other name.
 *
 * @example
 * shardOfFileName('results.shard-3-of-8.jsonl'); // { index: 3, count: 8 }
 */
export function shardOfFileName(name: string): Shard | undefined {
  if (name === WHOLE_RESULTS_FILE) return { index: 1, count: 1 };
  const match = /^results\.shard-(\d+)-of-(\d+)\.jsonl$/.exec(name);
  if (!match) return undefined;
  const shard = { index: Number(match[1]), count: Number(match[2]) };
  return shard.index >= 1 && shard.index <= shard.count ? shard : undefined;
}
