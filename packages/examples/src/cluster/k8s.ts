/**
 * Kubernetes: an Indexed Job that runs a sweep's shards, one pod per
 * completion index (`--emit k8s`). Pod k runs `--shard auto`, which reads
 * JOB_COMPLETION_INDEX = k and GRADLAB_SHARD_COUNT = completions: shard k+1.
 * The shard files go to a PersistentVolumeClaim mounted at /sweeps, shared
 * by all pods. `backoffLimitPerIndex` retries a failed index on its own
 * (Kubernetes 1.29 and later), and a restarted pod resumes its shard file.
 */
import { SHARD_COUNT_VARIABLE } from './shards.js';
import { slurmJobName } from './slurm.js';

/** The manifest's file name inside the sweep's folder. */
export const K8S_MANIFEST = 'sweep-job.yaml';

/** Where the pods mount the volume that holds the sweep's folder. */
export const K8S_MOUNT = '/sweeps';

/** What the Job needs beyond the sweep's own arguments. */
export interface IndexedJobRequest {
  /** Job name (lowercase letters, digits, '-'). */
  readonly name: string;
  /** Container image with Node 20 and gradlab installed, `gradlab` on PATH. */
  readonly image: string;
  /** PersistentVolumeClaim (ReadWriteMany) mounted at /sweeps. */
  readonly claim: string;
  readonly shards: number;
  /** Pods at once. */
  readonly parallelism: number;
  readonly cpusPerTask: number;
  readonly mem?: string;
  /** gradlab's arguments, starting with "sweep"; the folder (--dir) must be under /sweeps. */
  readonly args: readonly string[];
}

/**
 * The Job's name for the sweep in `dir`: "sweep-" plus the folder's name and
 * a hash of its path (as the Slurm job name), in the characters Kubernetes
 * allows, at most 63.
 *
 * @example
 * k8sJobName('/scratch/me/Sweep_A'); // "sweep-sweep-a-5aa67ed455"
 */
export function k8sJobName(dir: string): string {
  const slug = slurmJobName(dir).slice('gradlab-'.length).toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const hash = slug.slice(-10);
  const base = slug.slice(0, -11).replace(/^-+|-+$/g, '').slice(0, 63 - 'sweep-'.length - 11).replace(/-+$/, '');
  return `sweep-${base === '' ? '' : `${base}-`}${hash}`;
}

/** A JSON-able value written as YAML. */
type Yaml = string | number | boolean | null | readonly Yaml[] | { readonly [key: string]: Yaml };

/**
 * Block-style YAML of a JSON-able value. Strings are written as JSON strings,
 * which YAML reads as double-quoted scalars, so no value needs escaping rules
 * of its own.
 *
 * @example
 * toYaml({ a: [1, 'b'] }); // 'a:\n  - 1\n  - "b"\n'
 */
export function toYaml(value: Yaml, indent = ''): string {
  const scalar = (item: Yaml): string | undefined =>
    item === null || typeof item !== 'object' ? JSON.stringify(item)
    : Array.isArray(item) && item.length === 0 ? '[]'
    : !Array.isArray(item) && Object.keys(item).length === 0 ? '{}'
    : undefined;
  if (Array.isArray(value)) {
    return value.map((item: Yaml) => {
      const inline = scalar(item);
      if (inline !== undefined) return `${indent}- ${inline}\n`;
      const nested = toYaml(item, `${indent}  `);
      return `${indent}- ${nested.slice(indent.length + 2)}`;
    }).join('');
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).map(([key, item]) => {
      const inline = scalar(item);
      return inline !== undefined ? `${indent}${key}: ${inline}\n` : `${indent}${key}:\n${toYaml(item, `${indent}  `)}`;
    }).join('');
  }
  return `${indent}${scalar(value)}\n`;
}

/**
 * The Indexed Job manifest of a sweep, as YAML (`kubectl apply -f`).
 *
 * @example
 * indexedJobManifest({ name: 'sweep-a', image: 'registry/gradlab:0.1.0', claim: 'sweeps', shards: 8, parallelism: 4, cpusPerTask: 1, args: ['sweep', '--dir', '/sweeps/a'] });
 */
export function indexedJobManifest(request: IndexedJobRequest): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(request.name)) throw new Error(`--emit k8s: the job name must be lowercase letters, digits and '-' (at most 63), got '${request.name}'`);
  const resources: Record<string, string> = { cpu: String(request.cpusPerTask), ...(request.mem !== undefined ? { memory: request.mem } : {}) };
  const job: Yaml = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: request.name, labels: { app: 'gradlab-sweep' } },
    spec: {
      completionMode: 'Indexed',
      completions: request.shards,
      parallelism: request.parallelism,
      backoffLimitPerIndex: 2,
      maxFailedIndexes: request.shards,
      podReplacementPolicy: 'Failed',
      template: {
        metadata: { labels: { app: 'gradlab-sweep' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'sweep',
            image: request.image,
            command: ['gradlab'],
            args: [...request.args],
            env: [
              { name: SHARD_COUNT_VARIABLE, value: String(request.shards) },
              // With the completion index, names the task for the shard's lock (a restarted pod takes over its own lock).
              { name: 'GRADLAB_K8S_JOB', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
            ],
            resources: { requests: resources, limits: resources },
            volumeMounts: [{ name: 'sweeps', mountPath: K8S_MOUNT }],
          }],
          volumes: [{ name: 'sweeps', persistentVolumeClaim: { claimName: request.claim } }],
        },
      },
    },
  };
  return `# Written by gradlab sweep --emit k8s: pod k of the Indexed Job runs shard k+1 of ${request.shards}.\n` +
    `# Apply: kubectl apply -f ${K8S_MANIFEST}    Watch: kubectl get pods -l app=gradlab-sweep\n${toYaml(job)}`;
}
