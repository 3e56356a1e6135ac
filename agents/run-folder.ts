/**
 * A training run's folder:
 *
 *   config.json      {algo, agent: <parsed algorithm config>, ...extra the caller adds (env config, preset…)}
 *   manifest.json    seed, code version, package versions, backend, Node version, start/end time, resumes,
 *                    and `data`: a free-form object the caller fills (data checksums, date ranges…)
 *   metrics.jsonl    one JSON line per update, in update order, each update exactly once
 *   checkpoint.json  the latest checkpoint (checkpoint.ts), replaced atomically
 *
 * JSON files are written atomically (temp + rename). metrics.jsonl is appended line by line; on resume it
 * is cut back to the checkpoint's update (a crash can leave lines past the checkpoint, or half a line).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/atomic.ts';
import { ParameterError } from '../src/parameter-error.ts';
import { jsonlLines } from '../src/jsonl.ts';

export const CONFIG_FILE = 'config.json';
export const MANIFEST_FILE = 'manifest.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_FILE = 'checkpoint.json';

export interface Manifest {
  format: 'marginlab.run.v1';
  algo: string;
  seed: number;
  /** `git rev-parse HEAD` of the working directory, or "unknown". */
  codeVersion: string;
  packages: Record<string, string>;
  backend: string;
  node: string;
  platform: string;
  cores: number;
  startTime: string;
  endTime: string | null;
  resumes: { time: string; fromUpdate: number; backend: string; envRestored: 'snapshot' | 'reset' }[];
  /** Caller-supplied (data checksums, periods, …). */
  data: Record<string, unknown>;
}

/** The commit of the code that is running (this file's repository), not of the caller's working directory. */
export function codeVersion(cwd = dirname(fileURLToPath(import.meta.url))): string {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || 'unknown'
    );
  } catch {
    return 'unknown';
  }
}

/** Installed versions of the packages a run depends on ("not installed" when absent). */
export function packageVersions(
  names = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', 'openai', 'zod'],
): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of names) {
    out[name] = 'not installed';
    let entry: string;
    try {
      entry = require.resolve(name);
    } catch {
      continue;
    }
    // Walk up from the entry file to the package's own package.json (some packages do not export it).
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      const p = join(dir, 'package.json');
      if (!existsSync(p)) continue;
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) {
          out[name] = pkg.version;
          break;
        }
      } catch {
        /* keep walking */
      }
    }
  }
  return out;
}

export class RunFolder {
  private metricsFd: number | null = null;

  private constructor(readonly dir: string) {}

  get checkpointPath(): string {
    return join(this.dir, CHECKPOINT_FILE);
  }

  get metricsPath(): string {
    return join(this.dir, METRICS_FILE);
  }

  /** Starts a new run in `dir` (created if missing). Refuses a folder that already holds a run. */
  static create(
    dir: string,
    init: { algo: string; agentConfig: object; seed: number; backend: string; configExtra?: Record<string, unknown>; data?: Record<string, unknown> },
  ): RunFolder {
    mkdirSync(dir, { recursive: true });
    const taken = [CONFIG_FILE, MANIFEST_FILE, METRICS_FILE, CHECKPOINT_FILE].filter((f) => existsSync(join(dir, f)));
    if (taken.length) {
      throw new ParameterError(
        ['out', 'resume'],
        (n) => `run folder ${dir} already holds a run (${taken.join(', ')}): resume it, or choose a new ${n('out')} folder`,
      );
    }
    const rf = new RunFolder(dir);
    writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify({ ...(init.configExtra ?? {}), algo: init.algo, agent: init.agentConfig }, null, 2) + '\n');
    const manifest: Manifest = {
      format: 'marginlab.run.v1',
      algo: init.algo,
      seed: init.seed,
      codeVersion: codeVersion(),
      packages: packageVersions(),
      backend: init.backend,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cores: availableParallelism(),
      startTime: new Date().toISOString(),
      endTime: null,
      resumes: [],
      data: init.data ?? {},
    };
    rf.writeManifest(manifest);
    writeFileAtomic(rf.metricsPath, '');
    return rf;
  }

  /** Opens an existing run for resuming. */
  static open(dir: string): RunFolder {
    if (!existsSync(join(dir, CONFIG_FILE))) {
      const what = existsSync(dir) ? `holds ${readdirSync(dir).join(', ') || 'nothing'}` : 'does not exist';
      throw new ParameterError(
        ['resume', 'out'],
        (n) => `cannot resume: ${dir} is not a run folder (no ${CONFIG_FILE}; it ${what}); start without ${n('resume')}`,
      );
    }
    return new RunFolder(dir);
  }

  readConfig(): { algo: string; agent: Record<string, unknown>; [k: string]: unknown } {
    return JSON.parse(readFileSync(join(this.dir, CONFIG_FILE), 'utf8'));
  }

  writeConfig(cfg: { algo: string; agent: object; [k: string]: unknown }): void {
    writeFileAtomic(join(this.dir, CONFIG_FILE), JSON.stringify(cfg, null, 2) + '\n');
  }

  readManifest(): Manifest {
    return JSON.parse(readFileSync(join(this.dir, MANIFEST_FILE), 'utf8'));
  }

  writeManifest(m: Manifest): void {
    writeFileAtomic(join(this.dir, MANIFEST_FILE), JSON.stringify(m, null, 2) + '\n');
  }

  updateManifest(f: (m: Manifest) => void): void {
    const m = this.readManifest();
    f(m);
    this.writeManifest(m);
  }

  /** Appends one metrics line (kept open between calls; `close()` at the end). */
  appendMetrics(line: object): void {
    if (this.metricsFd === null) this.metricsFd = openSync(this.metricsPath, 'a');
    writeSync(this.metricsFd, JSON.stringify(line) + '\n');
  }

  /** Every complete, parseable metrics line. */
  readMetrics(): Record<string, unknown>[] {
    if (!existsSync(this.metricsPath)) return [];
    // A half-written last line after a crash is skipped.
    return jsonlLines(readFileSync(this.metricsPath, 'utf8'), this.metricsPath, { partial: 'keep', onBad: 'skip' }).map(
      (l) => l.value as Record<string, unknown>,
    );
  }

  /**
   * Keeps the lines of updates 1…lastUpdate (in order, each once) and drops everything else (lines past a
   * checkpoint, half-written lines); rewrites atomically. Returns the number of lines kept.
   */
  truncateMetrics(lastUpdate: number): number {
    this.close();
    const kept: Record<string, unknown>[] = [];
    for (const m of this.readMetrics()) {
      const u = m.update;
      if (typeof u === 'number' && u === kept.length + 1 && u <= lastUpdate) kept.push(m);
    }
    if (kept.length !== lastUpdate) {
      throw new Error(`cannot resume ${this.dir}: ${METRICS_FILE} has updates 1…${kept.length} in order but the checkpoint is at update ${lastUpdate}`);
    }
    writeFileAtomic(this.metricsPath, kept.map((m) => JSON.stringify(m) + '\n').join(''));
    return kept.length;
  }

  close(): void {
    if (this.metricsFd !== null) {
      closeSync(this.metricsFd);
      this.metricsFd = null;
    }
  }
}
