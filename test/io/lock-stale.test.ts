/**
 * src/lock.ts leases (`staleAfterMs`, the sweep's task leases on shared storage): a lock whose file went
 * untouched for longer than `staleAfterMs` is taken over whatever host holds it and whether or not its pid
 * is alive; a fresher one is not; `heartbeat()` keeps the lock fresh, only while it is ours.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, lockPathOf, LockedError, readLock, type LockInfo } from '../../src/lock.ts';

const REPO = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'marginlab-lock-stale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const fresh = (name = 'lease') => join(dir, `${name}-${n++}`);

const OTHER_HOST = 'node-17.cluster.example';

/** Writes the lock of `target` by hand, its file last modified `ageMs` ago. */
function writeLock(target: string, info: Partial<LockInfo>, ageMs = 0): { path: string; text: string } {
  const path = lockPathOf(target);
  const text = `${JSON.stringify({ host: OTHER_HOST, pid: 4242, started: '2026-01-01T00:00:00.000Z', command: 'marginlab sweep run-task x', token: 'feedbeef', ...info })}\n`;
  writeFileSync(path, text);
  if (ageMs) age(path, ageMs);
  return { path, text };
}

function age(path: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  utimesSync(path, t, t);
}

function refusal(f: () => unknown): LockedError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LockedError);
    return e as LockedError;
  }
  throw new Error('expected a LockedError');
}

/** test/io/fixtures/lock-holder.ts in its own process (a second holder), to the end. */
function otherProcess(
  target: string,
  args: string[],
): { code: number | null; result: { ok: boolean; replaced?: LockInfo | null; name?: string; message?: string } } {
  const r = spawnSync(process.execPath, ['bin/run-ts.js', 'test/io/fixtures/lock-holder.ts', target, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`lock-holder printed nothing (exit ${r.status}): ${r.stderr}`);
  return { code: r.status, result: JSON.parse(line) as { ok: boolean; replaced?: LockInfo | null; name?: string; message?: string } };
}

describe('acquireLock with staleAfterMs', () => {
  it("takes over another host's lock left untouched for longer than staleAfterMs", () => {
    const target = fresh();
    const { path, text } = writeLock(target, {}, 60_000);
    // Without staleAfterMs another host's lock is never taken over.
    const e = refusal(() => acquireLock(target, { what: 'task' }));
    expect(e.holder?.host).toBe(OTHER_HOST);
    expect(e.message).toMatch(/cannot tell whether that process is still running/);
    expect(readFileSync(path, 'utf8')).toBe(text);

    const lock = acquireLock(target, { what: 'task', staleAfterMs: 10_000 });
    try {
      expect(lock.replaced).toMatchObject({ host: OTHER_HOST, pid: 4242, token: 'feedbeef' });
      expect(lock.info.host).toBe(hostname());
      expect(lock.info.pid).toBe(process.pid);
      expect(readLock(target)).toEqual(lock.info);
      expect(readdirSync(dir).filter((f) => f.includes('.takeover') || f.includes('.tmp-'))).toEqual([]);
    } finally {
      lock.release();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock of this host whose holder is alive once it went untouched (a hung holder)', () => {
    const target = fresh();
    // pid 1 always exists: by pid alone the lock is live.
    writeLock(target, { host: hostname(), pid: 1 }, 60_000);
    expect(refusal(() => acquireLock(target)).holder?.pid).toBe(1);
    expect(refusal(() => acquireLock(target, { staleAfterMs: 120_000 })).holder?.pid).toBe(1);
    const lock = acquireLock(target, { staleAfterMs: 10_000 });
    expect(lock.replaced).toMatchObject({ host: hostname(), pid: 1 });
    lock.release();
  });

  it("keeps another host's lock touched within staleAfterMs, without changing it", () => {
    const target = fresh();
    const { path, text } = writeLock(target, {}, 5_000);
    const mtime = statSync(path).mtimeMs;
    const e = refusal(() => acquireLock(target, { what: 'task', staleAfterMs: 30_000 }));
    expect(e.holder).toMatchObject({ host: OTHER_HOST, pid: 4242 });
    expect(e.lockPath).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(readdirSync(dir).filter((f) => f.includes('.takeover'))).toEqual([]);
    // A just-written one too.
    const t2 = fresh();
    writeLock(t2, {});
    refusal(() => acquireLock(t2, { staleAfterMs: 1_000 }));
  });

  it('never takes its own lock as stale, however long since its last heartbeat', () => {
    const target = fresh();
    const lock = acquireLock(target, { staleAfterMs: 1_000 });
    try {
      age(lock.path, 60_000);
      const e = refusal(() => acquireLock(target, { staleAfterMs: 1_000 }));
      expect(e.message).toMatch(/this very process/);
      expect(readLock(target)).toEqual(lock.info);
    } finally {
      lock.release();
    }
  });
});

describe('Lock.heartbeat', () => {
  it('refreshes the modification time, so that the lease is not stale to another process', () => {
    const target = fresh();
    const lock = acquireLock(target, { what: 'task', staleAfterMs: 30_000 });
    try {
      age(lock.path, 3600_000);
      const before = Date.now();
      expect(lock.heartbeat()).toBe(true);
      expect(statSync(lock.path).mtimeMs).toBeGreaterThanOrEqual(before - 1_000);
      expect(readLock(target)).toEqual(lock.info); // content untouched
      const other = otherProcess(target, ['--stale-after-ms', '30000']);
      expect(other.result.ok).toBe(false);
      expect(other.result.name).toBe('LockedError');
      expect(other.code).toBe(75);
      expect(readLock(target)).toEqual(lock.info);

      // Untouched for an hour: the other process takes it over (this pid is alive on this very host).
      age(lock.path, 3600_000);
      const taker = otherProcess(target, ['--stale-after-ms', '30000']);
      expect(taker.result.ok).toBe(true);
      expect(taker.result.replaced).toMatchObject({ host: hostname(), pid: process.pid, token: lock.info.token });
    } finally {
      lock.release();
    }
  });

  it('is false, and touches nothing, once the lock is not ours', () => {
    const target = fresh();
    const lock = acquireLock(target, { staleAfterMs: 30_000 });
    // Taken over meanwhile (another acquisition's content at the lock's path).
    const { path, text } = writeLock(target, { token: 'another-acquisition' }, 3600_000);
    const mtime = statSync(path).mtimeMs;
    expect(lock.heartbeat()).toBe(false);
    expect(statSync(path).mtimeMs).toBe(mtime);
    lock.release(); // not ours: left in place
    expect(readFileSync(path, 'utf8')).toBe(text);
    rmSync(path);

    const l2 = acquireLock(fresh(), { staleAfterMs: 30_000 });
    l2.release();
    expect(l2.heartbeat()).toBe(false);
    expect(existsSync(l2.path)).toBe(false);
  });
});
