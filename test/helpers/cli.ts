import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');

/** Runs the real `marginlab` CLI (bin/marginlab.js) and returns its exit code and output. */
export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'marginlab.js'), ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
