import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.ts';

/** Ctrl-C during `marginlab train`: the current update finishes, a checkpoint is written, --resume completes the run. */
describe('train survives an interrupt', () => {
  it('SIGINT → checkpoint → resume without gaps or duplicates', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sigint-')), 'run');
    const args = ['train', '--algo', 'a2c', '--preset', 'margintrader', '--timesteps', '40000', '--seed', '2', '--out', out];
    const child = spawn(process.execPath, [join(REPO, 'bin', 'marginlab.js'), ...args], { cwd: REPO, env: { ...process.env, FORCE_COLOR: '0' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait until training is under way (the backend line is printed when it starts), then interrupt.
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (/backend:/.test(stderr)) {
          clearInterval(poll);
          setTimeout(() => {
            child.kill('SIGINT');
            resolve();
          }, 3000);
        } else if (Date.now() - t0 > 90_000) {
          clearInterval(poll);
          reject(new Error('training did not start'));
        }
      }, 50);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toMatch(/interrupt: finishing the current update/);
    expect(stderr).toMatch(/--resume/);
    const ck = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(ck.seed).toBe(2);
    const linesBefore = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(linesBefore.length).toBeLessThan(8000);
    const r = runCli(['train', '--algo', 'a2c', '--out', out, '--resume'], { timeoutMs: 180_000 });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).finished).toBe(true);
    const updates = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).update);
    expect(updates).toEqual(Array.from({ length: 8000 }, (_, i) => i + 1));
  }, 240_000);
});
