/**
 * agents/sweep/slurm.ts without a cluster: the --array specs (compressed, chunked below MaxArraySize), the
 * batch scripts, a dry run over a planned sweep (what is submitted, what is skipped, nothing recorded), the
 * refusal without sbatch, and a submission through fake `sbatch`/`squeue` scripts on a PATH of their own
 * (job ids recorded, group 1 after group 0, queued elements not submitted twice). The real sbatch of the
 * machine is never reached: PATH holds only a temp folder with `sh` and the fakes, which is checked first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SweepRunSchema, type SweepRunConfig } from '../../agents/sweep/options.ts';
import { planSweep, type SweepPlan } from '../../agents/sweep/plan.ts';
import { chunkIndices, compressIndices, runSlurm, slurmQueue, slurmScript, type SlurmJob } from '../../agents/sweep/slurm.ts';
import { parseSweepSpec } from '../../agents/sweep/spec.ts';
import { PACKAGE_ROOT } from '../../agents/sweep/version.ts';
import { ParameterError } from '../../src/parameter-error.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const root = mkdtempSync(join(tmpdir(), 'marginlab-sweep-slurm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name = 'sweep') => join(root, `${name}-${n++}`);

const cfgOf = (over: Partial<SweepRunConfig> = {}): SweepRunConfig => ({ ...SweepRunSchema.parse({ executor: 'slurm' }), ...over });

/**
 * Seven tasks: schedules for momentum and for macro (indices 0, 1: group 0), then per overlay two paper
 * agents and the plain baseline, which both cells share (indices 2 … 6: group 1).
 */
async function plannedSweep(): Promise<{ dir: string; plan: SweepPlan }> {
  const dir = fresh();
  const spec = parseSweepSpec({
    name: 'slurm-unit',
    base: {
      seeds: [1, 2],
      timesteps: 200,
      trade: '2020-05-01:2020-12-31',
      agents: ['paper'],
      baselines: ['equal-weight'],
      baselineOverlays: [],
      backend: 'cpu',
    },
    axes: { overlays: [['momentum'], ['macro']] },
  });
  const plan = await planSweep(spec, dir, { backend: 'cpu' });
  expect(plan.tasks.map((t) => t.group)).toEqual([0, 0, 1, 1, 1, 1, 1]);
  return { dir, plan };
}

function taskDir(dir: string, plan: SweepPlan, index: number): string {
  const d = join(dir, plan.tasks[index].dir);
  mkdirSync(d, { recursive: true });
  return d;
}

const markDone = (dir: string, plan: SweepPlan, index: number) => writeFileSync(join(taskDir(dir, plan, index), 'done.json'), '{}\n');

function writeLease(dir: string, plan: SweepPlan, index: number, host: string, pid: number, ageMs = 0): void {
  const path = join(taskDir(dir, plan, index), 'lease.lock');
  writeFileSync(path, `${JSON.stringify({ host, pid, started: new Date().toISOString(), command: 'sweep run-task' })}\n`);
  if (ageMs) {
    const t = new Date(Date.now() - ageMs);
    utimesSync(path, t, t);
  }
}

const arrayOf = (j: SlurmJob) => j.command.find((a) => a.startsWith('--array='));
const depOf = (j: SlurmJob) => j.command.find((a) => a.startsWith('--dependency='));

/** A folder to be the whole PATH: `sh` and the given scripts (shebang /bin/sh, shell builtins only). */
function binDir(scripts: Record<string, string>): string {
  const bin = fresh('bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(realpathSync('/bin/sh'), join(bin, 'sh'));
  for (const [name, body] of Object.entries(scripts)) writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return bin;
}

/** Where `sh -c "command -v CMD"` finds CMD under the current PATH (as slurm.ts looks), or null. */
function found(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Runs `f` with PATH = `bin` and the extra variables, restoring the environment however it ends. */
async function withEnv<T>(bin: string, vars: Record<string, string>, f: () => T | Promise<T>): Promise<T> {
  const saved = { PATH: process.env.PATH, ...Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]])) };
  process.env.PATH = bin;
  Object.assign(process.env, vars);
  try {
    // The machine's own sbatch/squeue must be out of reach.
    for (const cmd of ['sbatch', 'squeue', 'scontrol']) {
      const at = found(cmd);
      if (at !== null) expect(at.startsWith(bin)).toBe(true);
    }
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('compressIndices', () => {
  it('writes runs as ranges, in order', () => {
    expect(compressIndices([1, 2, 3, 5, 7, 8])).toBe('1-3,5,7-8');
    const unsorted = [8, 3, 1, 7, 2, 5];
    expect(compressIndices(unsorted)).toBe('1-3,5,7-8');
    expect(unsorted).toEqual([8, 3, 1, 7, 2, 5]); // not sorted in place
    expect(compressIndices([4])).toBe('4');
    expect(compressIndices([0, 2, 4])).toBe('0,2,4');
    expect(compressIndices([10, 11])).toBe('10-11');
    expect(compressIndices([])).toBe('');
  });
});

describe('chunkIndices', () => {
  it('cuts plan indices into chunks of MaxArraySize, elements relative to each offset', () => {
    const chunks = chunkIndices([0, 1, 4, 5, 7], 3);
    expect(chunks).toEqual([
      { offset: 0, elements: [0, 1], indices: [0, 1] },
      { offset: 3, elements: [1, 2], indices: [4, 5] },
      { offset: 6, elements: [1], indices: [7] },
    ]);
    expect(chunkIndices([7, 0, 5, 1, 4], 3)).toEqual(chunks);
    // A chunk with nothing in it is left out; every element lies below MaxArraySize.
    const sparse = chunkIndices([2, 1000, 1001, 2500], 1001);
    expect(sparse.map((c) => c.offset)).toEqual([0, 1001, 2002]);
    for (const c of sparse) {
      for (const e of c.elements) expect(e).toBeLessThan(1001);
      expect(c.elements.map((e) => e + c.offset)).toEqual(c.indices);
    }
    expect(chunkIndices([], 3)).toEqual([]);
  });
});

describe('slurmScript', () => {
  const job = { name: 'marginlab-x-g1', logName: '%A_%a.out', command: ['sweep', 'run-task', '/shared/sweeps/x', '--offset', '3'] };

  it('writes the #SBATCH lines that are given, then cd into the package and exec node', () => {
    const s = slurmScript('/shared/sweeps/x', cfgOf(), job);
    const lines = s.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('#SBATCH --job-name=marginlab-x-g1');
    expect(lines).toContain('#SBATCH --output=/shared/sweeps/x/slurm/logs/%A_%a.out');
    expect(lines).toContain('#SBATCH --open-mode=append');
    expect(lines).toContain('#SBATCH --cpus-per-task=1');
    expect(s).not.toMatch(/--partition|--time|--mem/);
    expect(lines).toContain(`cd ${PACKAGE_ROOT} || exit 1`);
    expect(resolve(PACKAGE_ROOT)).toBe(REPO);
    expect(lines).toContain('exec "${MARGINLAB_NODE:-node}" bin/marginlab.js sweep run-task /shared/sweeps/x --offset 3');
    // sbatch reads directives only before the first command.
    const firstCommand = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines.slice(firstCommand).some((l) => l.startsWith('#SBATCH'))).toBe(false);
    expect(s.endsWith('\n')).toBe(true);

    const full = slurmScript('/shared/sweeps/x', cfgOf({ partition: 'gpu', time: '01:30:00', mem: '4G', cpusPerTask: 4 }), job).split('\n');
    expect(full).toContain('#SBATCH --partition=gpu');
    expect(full).toContain('#SBATCH --time=01:30:00');
    expect(full).toContain('#SBATCH --mem=4G');
    expect(full).toContain('#SBATCH --cpus-per-task=4');
    expect(full.slice(full.findIndex((l) => l.trim() !== '' && !l.startsWith('#'))).some((l) => l.startsWith('#SBATCH'))).toBe(false);
  });

  it('quotes arguments for the shell, and the script is valid bash', () => {
    const s = slurmScript('/tmp/x', cfgOf(), { ...job, command: ['sweep', 'merge', "/tmp/it's a dir"] });
    expect(s).toContain(`bin/marginlab.js sweep merge '/tmp/it'\\''s a dir'`);
    const path = join(fresh('script'), 'merge.sh');
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, s);
    const r = spawnSync('bash', ['-n', path], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // What bash makes of the exec line: the dir as one argument.
    const echo = spawnSync(
      'bash',
      [
        '-c',
        s
          .split('\n')
          .find((l) => l.startsWith('exec '))!
          .replace(/^exec "\$\{MARGINLAB_NODE:-node\}"/, 'printf "%s\\n"'),
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(echo.stdout.split('\n')).toEqual(['bin/marginlab.js', 'sweep', 'merge', "/tmp/it's a dir", '']);
  });
});

describe('runSlurm --dry-run', () => {
  it('writes one script per group and chunk, and the merge job last, without recording jobs', async () => {
    const { dir, plan } = await plannedSweep();
    const lines: string[] = [];
    const sub = await runSlurm(dir, cfgOf({ dryRun: true, maxArraySize: 3, arrayLimit: 2 }), { log: (l) => lines.push(l) });
    expect(sub.skipped).toBe(0);
    expect(sub.jobs.map((j) => [j.group, j.offset, j.indices, arrayOf(j)])).toEqual([
      [0, 0, [0, 1], '--array=0-1%2'],
      [1, 0, [2], '--array=2%2'],
      [1, 3, [3, 4, 5], '--array=0-2%2'],
      [1, 6, [6], '--array=0%2'],
      ['merge', 0, [], undefined],
    ]);
    for (const j of sub.jobs) {
      expect(j.jobId).toBeNull();
      expect(j.command[0]).toBe('sbatch');
      expect(j.command[1]).toBe('--parsable');
      expect(j.command[j.command.length - 1]).toBe(j.script);
      expect(j.script.startsWith(join(dir, 'slurm') + '/')).toBe(true);
      expect(existsSync(j.script)).toBe(true);
    }
    expect(depOf(sub.jobs[0])).toBeUndefined();
    for (const j of sub.jobs.slice(1, 4)) expect(depOf(j)).toMatch(/^--dependency=afterany:/);
    expect(depOf(sub.jobs[4])).toMatch(/^--dependency=afterany:/);

    expect(readdirSync(join(dir, 'slurm')).sort()).toEqual([
      'group0-offset0.sh',
      'group1-offset0.sh',
      'group1-offset3.sh',
      'group1-offset6.sh',
      'logs',
      'merge.sh',
    ]);
    expect(existsSync(join(dir, 'slurm', 'jobs.jsonl'))).toBe(false);
    const g13 = readFileSync(join(dir, 'slurm', 'group1-offset3.sh'), 'utf8');
    expect(g13).toContain(`bin/marginlab.js sweep run-task ${dir} --offset 3 --lease-stale-s 600`);
    expect(g13).toContain('#SBATCH --job-name=marginlab-slurm-unit-g1');
    expect(readFileSync(join(dir, 'slurm', 'group0-offset0.sh'), 'utf8')).toContain('--offset 0');
    expect(readFileSync(join(dir, 'slurm', 'merge.sh'), 'utf8')).toContain(`bin/marginlab.js sweep merge ${dir}`);
    expect(lines.filter((l) => l.startsWith('would submit'))).toHaveLength(5);
    expect(plan.tasks).toHaveLength(7);
  });

  it('skips done and running tasks, submits stalled and failed ones', async () => {
    const { dir, plan } = await plannedSweep();
    markDone(dir, plan, 4);
    writeLease(dir, plan, 6, hostname(), process.pid); // a live holder on this host: running
    writeLease(dir, plan, 5, 'another-node', 12345, 3600_000); // untouched for an hour: stalled
    writeFileSync(join(taskDir(dir, plan, 3), 'error.json'), JSON.stringify({ message: 'boom', permanent: false }));
    const sub = await runSlurm(dir, cfgOf({ dryRun: true, maxArraySize: 3, sbatchArg: ['--account=lab', '--qos=low'] }));
    expect(sub.skipped).toBe(2);
    expect(sub.jobs.map((j) => [j.group, j.offset, j.indices, arrayOf(j)])).toEqual([
      [0, 0, [0, 1], '--array=0-1'],
      [1, 0, [2], '--array=2'],
      [1, 3, [3, 5], '--array=0,2'],
      ['merge', 0, [], undefined],
    ]);
    for (const j of sub.jobs) expect(j.command.slice(0, 4)).toEqual(['sbatch', '--parsable', '--account=lab', '--qos=low']);

    // A fresh lease from another host is running too.
    writeLease(dir, plan, 5, 'another-node', 12345);
    expect((await runSlurm(dir, cfgOf({ dryRun: true, maxArraySize: 3 }))).skipped).toBe(3);
  });

  it('submits nothing (not even the merge job) when every task is done, and no merge job when not asked', async () => {
    const { dir, plan } = await plannedSweep();
    const lines: string[] = [];
    const noMerge = await runSlurm(dir, cfgOf({ dryRun: true, maxArraySize: 3, merge: false }));
    expect(noMerge.jobs.map((j) => j.group)).toEqual([0, 1, 1, 1]);
    for (const t of plan.tasks) markDone(dir, plan, t.index);
    const sub = await runSlurm(dir, cfgOf({ dryRun: true, maxArraySize: 3 }), { log: (l) => lines.push(l) });
    expect(sub).toEqual({ jobs: [], skipped: 7 });
    expect(lines.join('\n')).toMatch(/nothing to submit: all 7 task\(s\) are done/);
  });

  it('refuses a folder without a plan', async () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    await expect(runSlurm(dir, cfgOf({ dryRun: true }))).rejects.toThrow(/has no plan\.json/);
  });
});

describe('runSlurm without sbatch', () => {
  it('is a ParameterError about the executor, before anything is written', async () => {
    const { dir } = await plannedSweep();
    const bin = binDir({});
    const before = process.env.PATH;
    const e = await withEnv(bin, {}, async () => {
      expect(found('sh')).toBe(join(bin, 'sh')); // the check itself runs
      expect(found('sbatch')).toBeNull();
      try {
        await runSlurm(dir, cfgOf({ maxArraySize: 3 }));
      } catch (err) {
        return err as Error;
      }
      throw new Error('expected runSlurm to refuse');
    });
    expect(process.env.PATH).toBe(before);
    expect(e).toBeInstanceOf(ParameterError);
    expect((e as ParameterError).param).toBe('executor');
    expect(e.message).toMatch(/sbatch is not on PATH/);
    expect(existsSync(join(dir, 'slurm'))).toBe(false);
  });
});

describe('runSlurm with a (fake) scheduler', () => {
  // sbatch: prints the next job id (from 101) as "id;cluster" and logs its arguments; squeue: prints a file.
  const fakes = {
    sbatch: [
      'if [ -n "$FAKE_SBATCH_FAIL" ]; then echo "sbatch: error: invalid partition" >&2; exit 1; fi',
      'n=100',
      'if [ -f "$FAKE_DIR/counter" ]; then read n < "$FAKE_DIR/counter"; fi',
      'n=$((n + 1))',
      'echo "$n" > "$FAKE_DIR/counter"',
      'echo "$*" >> "$FAKE_DIR/sbatch.log"',
      'echo "$n;cluster"',
    ].join('\n'),
    squeue: 'if [ -f "$FAKE_DIR/queue" ]; then while IFS= read -r line; do echo "$line"; done < "$FAKE_DIR/queue"; fi',
  };

  it('records every job, makes group 1 and merge wait, and leaves queued elements alone on a rerun', async () => {
    const { dir } = await plannedSweep();
    const fake = fresh('fake');
    mkdirSync(fake, { recursive: true });
    const bin = binDir(fakes);
    await withEnv(bin, { FAKE_DIR: fake }, async () => {
      expect(slurmQueue(dir)).toBeNull(); // nothing submitted yet

      const first = await runSlurm(dir, cfgOf({ maxArraySize: 3 }));
      expect(first.jobs.map((j) => [j.jobId, j.group, j.offset, arrayOf(j), depOf(j)])).toEqual([
        ['101', 0, 0, '--array=0-1', undefined],
        ['102', 1, 0, '--array=2', '--dependency=afterany:101'],
        ['103', 1, 3, '--array=0-2', '--dependency=afterany:101'],
        ['104', 1, 6, '--array=0', '--dependency=afterany:101'],
        ['105', 'merge', 0, undefined, '--dependency=afterany:101:102:103:104'],
      ]);
      const recorded = readFileSync(join(dir, 'slurm', 'jobs.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { jobId: string; group: unknown; offset: number; indices: number[] });
      expect(recorded.map((r) => [r.jobId, r.group, r.offset, r.indices])).toEqual([
        ['101', 0, 0, [0, 1]],
        ['102', 1, 0, [2]],
        ['103', 1, 3, [3, 4, 5]],
        ['104', 1, 6, [6]],
        ['105', 'merge', 0, []],
      ]);
      // sbatch got the arguments after its name.
      const log = readFileSync(join(fake, 'sbatch.log'), 'utf8').trim().split('\n');
      expect(log).toEqual(first.jobs.map((j) => j.command.slice(1).join(' ')));

      // Nothing in the queue: slurmQueue knows the jobs but squeue lists none of them.
      expect(slurmQueue(dir)).toEqual(new Map());

      // Element 1 of job 101 (plan index 1) runs, element 2 of job 103 (plan index 5) waits, element 0 of
      // job 104 (index 6) failed; the merge job and a stranger's job are not plan indices.
      writeFileSync(join(fake, 'queue'), ['101 1 RUNNING', '103 2 PENDING', '104 0 FAILED', '105 N/A PENDING', '999 0 PENDING', ''].join('\n'));
      expect(slurmQueue(dir)).toEqual(
        new Map([
          [1, 'running'],
          [5, 'pending'],
          [6, 'failed'],
        ]),
      );

      const second = await runSlurm(dir, cfgOf({ maxArraySize: 3 }));
      expect(second.skipped).toBe(2);
      expect(second.jobs.map((j) => [j.jobId, j.group, j.offset, j.indices, arrayOf(j), depOf(j)])).toEqual([
        ['106', 0, 0, [0], '--array=0', undefined],
        // After the live group-0 job of the first run and the new one.
        ['107', 1, 0, [2], '--array=2', '--dependency=afterany:101:106'],
        ['108', 1, 3, [3, 4], '--array=0-1', '--dependency=afterany:101:106'],
        ['109', 1, 6, [6], '--array=0', '--dependency=afterany:101:106'],
        ['110', 'merge', 0, [], undefined, '--dependency=afterany:106:107:108:109'],
      ]);
      expect(
        readFileSync(join(dir, 'slurm', 'jobs.jsonl'), 'utf8')
          .trim()
          .split('\n'),
      ).toHaveLength(10);

      // Plan index 6 submitted twice (jobs 104 and 109): the live element counts, whichever squeue lists first.
      writeFileSync(join(fake, 'queue'), ['109 0 PENDING', '104 0 FAILED', '108 1 RUNNING', ''].join('\n'));
      expect(slurmQueue(dir)).toEqual(
        new Map([
          [6, 'pending'],
          [4, 'running'],
        ]),
      );
      writeFileSync(join(fake, 'queue'), ['104 0 FAILED', '109 0 RUNNING', ''].join('\n'));
      expect(slurmQueue(dir)?.get(6)).toBe('running');
    });
  });

  it("reports sbatch's own error", async () => {
    const { dir } = await plannedSweep();
    const fake = fresh('fake');
    mkdirSync(fake, { recursive: true });
    await withEnv(binDir(fakes), { FAKE_DIR: fake, FAKE_SBATCH_FAIL: '1' }, async () => {
      await expect(runSlurm(dir, cfgOf({ maxArraySize: 3 }))).rejects.toThrow(/sbatch .*failed \(exit 1\): sbatch: error: invalid partition/);
    });
    expect(existsSync(join(dir, 'slurm', 'jobs.jsonl'))).toBe(false);
  });

  it('slurmQueue is null when nothing was submitted, only the merge job was, or squeue is absent', async () => {
    const { dir } = await plannedSweep();
    expect(slurmQueue(dir)).toBeNull();
    expect(slurmQueue(fresh('no-such-sweep'))).toBeNull();
    mkdirSync(join(dir, 'slurm'), { recursive: true });
    const rec = (jobId: string, group: unknown) => JSON.stringify({ jobId, group, offset: 0, indices: [], submitted: '2026-01-01T00:00:00Z' });
    writeFileSync(join(dir, 'slurm', 'jobs.jsonl'), `${rec('7', 'merge')}\n`);
    expect(slurmQueue(dir)).toBeNull();
    // A real job, a line cut short by a crash: no squeue on PATH still gives null, never an error.
    writeFileSync(join(dir, 'slurm', 'jobs.jsonl'), `${rec('8', 0)}\n{"jobId":"9","gro`);
    await withEnv(binDir({}), {}, () => expect(slurmQueue(dir)).toBeNull());
  });
});
