/**
 * Training in parallel child processes: each job runs as its own `marginlab train --algo A --config RUN.json
 * --out DIR` child (bin/marginlab.js, the same entry point as the command line), `workers` at a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParameterError } from '../../src/parameter-error.ts';
import type { TrainRun } from '../pipelines/train.ts';
import type { AgentKind } from './config.ts';

export interface TrainJob {
  kind: AgentKind;
  seed: number;
  dir: string;
  run: TrainRun;
  resume: boolean;
}

/**
 * Trains each job as its own `marginlab train` child process, `workers` at a time. On Ctrl-C (the abort
 * signal) each child gets one SIGINT: it finishes its update, writes a checkpoint and stops, and the rerun
 * resumes it. Their progress lines are passed on with the agent and seed in front.
 */
export async function trainInChildren(
  jobs: TrainJob[],
  opts: { workers: number; signal?: AbortSignal; trainRange: { start: string; end: string }; log: (line: string) => void },
): Promise<void> {
  if (jobs.length === 0) return;
  const bin = fileURLToPath(new URL('../../bin/marginlab.js', import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), 'marginlab-train-'));
  const children = new Set<ChildProcess>();
  const onAbort = () => children.forEach((c) => c.kill('SIGINT'));
  opts.signal?.addEventListener('abort', onAbort);
  let next = 0;
  const failures: string[] = [];
  const interrupted: string[] = [];
  const one = (j: TrainJob, k: number) =>
    new Promise<void>((done) => {
      const cfgPath = join(tmp, `run-${k}.json`);
      writeFileSync(cfgPath, JSON.stringify(j.run));
      opts.log(
        `training the ${j.kind} agent (${j.run.algo}, ${j.run.preset}${j.run.conditioning ? ', ratio-conditioned' : ''}) seed ${j.seed} on ${opts.trainRange.start} … ${opts.trainRange.end} → ${j.dir}`,
      );
      // Own process group: a terminal Ctrl-C reaches only this process, which passes one SIGINT on (a
      // second one would make the child exit without its checkpoint).
      const child = spawn(process.execPath, [bin, 'train', '--algo', j.run.algo, '--config', cfgPath, '--out', j.dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      children.add(child);
      let stdout = '';
      let stderrTail: string[] = [];
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      let partial = '';
      child.stderr.on('data', (d: Buffer) => {
        partial += d.toString();
        const lines = partial.split(/\r?\n|\r/);
        partial = lines.pop() ?? '';
        for (const l of lines) {
          if (!l.trim()) continue;
          stderrTail = [...stderrTail.slice(-9), l];
          opts.log(`[${j.kind} seed ${j.seed}] ${l}`);
        }
      });
      child.on('close', (code) => {
        children.delete(child);
        const last = stdout.trim().split('\n').pop() ?? '';
        let finished: boolean;
        try {
          finished = (JSON.parse(last) as { finished?: boolean }).finished === true;
        } catch {
          finished = false;
        }
        if (code !== 0)
          failures.push(
            `the ${j.kind} agent, seed ${j.seed} (exit ${code}): ${stderrTail.filter((l) => /marginlab:|rror/.test(l)).join(' ') || stderrTail.join(' ')}`,
          );
        else if (!finished) interrupted.push(`the ${j.kind} agent, seed ${j.seed}`);
        done();
      });
    });
  const worker = async () => {
    while (next < jobs.length && !opts.signal?.aborted && failures.length === 0) {
      const k = next++;
      await one(jobs[k], k);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.workers, jobs.length)) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    rmSync(tmp, { recursive: true, force: true });
  }
  if (failures.length) throw new ParameterError([], `training failed: ${failures.join('; ')}`);
  if (interrupted.length || opts.signal?.aborted || next < jobs.length) {
    throw new ParameterError(
      [],
      `interrupted: ${interrupted.length ? `training of ${interrupted.join(', ')} stopped at a checkpoint` : 'training stopped'}; rerun the same command to resume`,
    );
  }
}
