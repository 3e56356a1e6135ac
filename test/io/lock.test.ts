/**
 * src/lock.ts: one writer at a time. In-process cases (refusal with the holder named, stale locks taken
 * over, another host's lock left alone, release only if ours) and real processes racing for one lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, lockPathOf, LockedError, readLock, uniqueTempPath, withLock, type LockInfo } from '../../src/lock.ts';

const REPO = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'marginlab-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const fresh = (name = 'target') => join(dir, `${name}-${n++}`);

/** A pid that was alive a moment ago and is not any more (spawnSync reaps it). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  expect(r.pid).toBeGreaterThan(0);
  return r.pid!;
}

function writeLock(target: string, info: Partial<LockInfo>): string {
  const path = lockPathOf(target);
  writeFileSync(path, `${JSON.stringify({ host: hostname(), pid: 1, started: '2026-01-01T00:00:00.000Z', command: 'marginlab forecast --out x', ...info })}\n`);
  return path;
}

interface HolderResult {
  ok: boolean;
  pid?: number;
  replaced?: LockInfo | null;
  name?: string;
  message?: string;
}

/** Runs test/io/fixtures/lock-holder.ts in its own process. */
function holder(target: string, args: string[] = []): { done: Promise<{ code: number | null; result: HolderResult | null }>; child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'test/io/fixtures/lock-holder.ts', target, ...args], { cwd: REPO });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; result: HolderResult | null }>((resolve) =>
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) console.error(`lock-holder printed nothing; stderr: ${stderr}`);
      resolve({ code, result: line ? (JSON.parse(line) as HolderResult) : null });
    }),
  );
  return { done, child };
}

describe('acquireLock in one process', () => {
  it('creates <target>.lock with host, pid, start time and command, and refuses a second writer naming the holder', () => {
    const target = fresh('runs-x');
    const lock = acquireLock(target, { what: 'run folder', command: 'marginlab train --out runs/x' });
    expect(lock.path).toBe(`${target}.lock`);
    const info = JSON.parse(readFileSync(lock.path, 'utf8')) as LockInfo;
    expect(info).toMatchObject({ host: hostname(), pid: process.pid, command: 'marginlab train --out runs/x' });
    expect(Date.parse(info.started)).toBeGreaterThan(Date.now() - 60_000);
    expect(readLock(target)).toEqual(info);

    const err = (() => {
      try {
        acquireLock(target, { what: 'run folder' });
      } catch (e) {
        return e as LockedError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(LockedError);
    expect(err!.name).toBe('LockedError');
    expect(err!.holder).toEqual(info);
    expect(err!.message).toBe(
      `run folder ${target} is in use by pid ${process.pid} (this very process) on host ${hostname()} since ${info.started} (marginlab train --out runs/x); ` +
        `wait for it to finish, or remove ${target}.lock if that process is gone`,
    );
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lock.release(); // idempotent
    expect(lock.held).toBe(false);
    acquireLock(target).release(); // free again
  });

  it('uses the same sibling rule for a folder, with or without a trailing slash, and creates missing parents', () => {
    expect(lockPathOf('runs/x')).toBe('runs/x.lock');
    expect(lockPathOf('runs/x/')).toBe('runs/x.lock');
    expect(lockPathOf('runs/x.jsonl')).toBe('runs/x.jsonl.lock');
    const target = join(fresh('deep'), 'a', 'b');
    const lock = acquireLock(`${target}/`);
    expect(existsSync(`${target}.lock`)).toBe(true);
    lock.release();
  });

  it('takes over a stale lock: same host, the holder process is gone', () => {
    const target = fresh('stale');
    const pid = deadPid();
    writeLock(target, { pid, command: 'marginlab forecast (crashed)' });
    const lock = acquireLock(target);
    expect(lock.replaced).toMatchObject({ pid, host: hostname(), command: 'marginlab forecast (crashed)' });
    expect((JSON.parse(readFileSync(lock.path, 'utf8')) as LockInfo).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    // No takeover guard or temp file is left behind.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-') || f.includes('.takeover'))).toEqual([]);
  });

  it('takes over a lock that names this pid but predates this process (a pid reused after a crash)', () => {
    const target = fresh('reused');
    writeLock(target, { pid: process.pid, started: '2001-01-01T00:00:00.000Z' });
    const lock = acquireLock(target);
    expect(lock.replaced?.started).toBe('2001-01-01T00:00:00.000Z');
    lock.release();
  });

  it('never takes over a lock of another host, and says how to remove it', () => {
    const target = fresh('foreign');
    const path = writeLock(target, { host: 'other-host.example', pid: 4242, started: '2026-03-01T10:00:00.000Z' });
    const before = readFileSync(path, 'utf8');
    expect(() => acquireLock(target, { what: 'signals file' })).toThrow(
      new RegExp(
        `^signals file .*foreign-\\d+ is in use by pid 4242 on host other-host\\.example since 2026-03-01T10:00:00\\.000Z \\(marginlab forecast --out x\\); ` +
          `this host \\(.*\\) cannot tell whether that process is still running, so the lock is not taken over: wait for it to finish, or remove .*foreign-\\d+\\.lock if it is gone$`,
      ),
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('keeps a lock whose holder is alive, and refuses an unreadable lock without touching it', () => {
    const alive = fresh('alive');
    writeLock(alive, { pid: process.ppid }); // the test runner's parent: alive
    expect(() => acquireLock(alive)).toThrow(/is in use by pid \d+ on host .*; wait for it to finish, or remove .*alive-\d+\.lock if that process is gone/);
    const garbage = fresh('garbage');
    writeFileSync(lockPathOf(garbage), 'not json');
    expect(() => acquireLock(garbage)).toThrow(
      /whose holder cannot be told \(the lock file is not JSON\); remove .*garbage-\d+\.lock if no other run is using/,
    );
    expect(readFileSync(lockPathOf(garbage), 'utf8')).toBe('not json');
  });

  it('release removes the lock only while it is still ours', () => {
    const target = fresh('replaced');
    const lock = acquireLock(target);
    const other = { host: hostname(), pid: process.ppid, started: new Date().toISOString(), command: 'someone else', token: 'x' };
    writeFileSync(lock.path, JSON.stringify(other));
    lock.release();
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toEqual(other);
  });

  it('withLock releases however the work ends', async () => {
    const target = fresh('with');
    await expect(withLock(target, {}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(lockPathOf(target))).toBe(false);
    expect(await withLock(target, {}, (l) => l.held)).toBe(true);
  });
});

describe('uniqueTempPath', () => {
  it('names the host, the pid and random bytes, next to the file', () => {
    const a = uniqueTempPath(join(dir, 'checkpoint.json'));
    const b = uniqueTempPath(join(dir, 'checkpoint.json'));
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
    expect(a).toMatch(new RegExp(`/\\.checkpoint\\.json\\.tmp-${host.replace(/\./g, '\\.')}-${process.pid}-[0-9a-f]{12}$`));
    expect(a).not.toBe(b);
    expect(a.startsWith(dir)).toBe(true);
  });
});

describe('acquireLock across processes', () => {
  it('of four processes starting at the same instant exactly one gets the lock; the others are told who', async () => {
    const target = fresh('race');
    const startAt = Date.now() + 4000;
    const runs = Array.from({ length: 4 }, () => holder(target, ['--start-at', String(startAt), '--hold-ms', '1500']));
    const results = await Promise.all(runs.map((r) => r.done));
    const winners = results.filter((r) => r.result?.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0].result!.pid;
    for (const r of results.filter((x) => !x.result?.ok)) {
      expect(r.code).toBe(75);
      expect(r.result?.name).toBe('LockedError');
      expect(r.result?.message).toMatch(new RegExp(`is in use by pid ${winner} on host `));
    }
    expect(existsSync(lockPathOf(target))).toBe(false);
  });

  it('of four processes finding the same stale lock exactly one takes it over', async () => {
    const target = fresh('stale-race');
    const dead = deadPid();
    writeLock(target, { pid: dead });
    const startAt = Date.now() + 4000;
    const runs = Array.from({ length: 4 }, () => holder(target, ['--start-at', String(startAt), '--hold-ms', '1500']));
    const results = await Promise.all(runs.map((r) => r.done));
    const winners = results.filter((r) => r.result?.ok);
    expect(winners).toHaveLength(1);
    expect(winners[0].result!.replaced?.pid).toBe(dead);
    expect(results.filter((r) => !r.result?.ok).every((r) => r.result?.message?.includes(`pid ${winners[0].result!.pid} `))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith(`stale-race-`) && f.includes('.lock'))).toEqual([]);
  });

  it('is released when the holder exits without releasing; a killed holder leaves a stale lock the next run takes over', async () => {
    const exiting = fresh('exit');
    const a = await holder(exiting, ['--exit-without-release']).done;
    expect(a.result?.ok).toBe(true);
    expect(existsSync(lockPathOf(exiting))).toBe(false);

    const killed = fresh('killed');
    const h = holder(killed, ['--hold-ms', '60000']);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(lockPathOf(killed))) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    h.child.kill('SIGKILL');
    await h.done;
    expect(existsSync(lockPathOf(killed))).toBe(true);
    const lock = acquireLock(killed);
    expect(lock.replaced?.pid).toBe(h.child.pid);
    lock.release();
  });

  it('waitMs waits for a live holder to finish', async () => {
    const target = fresh('wait');
    const h = holder(target, ['--hold-ms', '4000']);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(lockPathOf(target))) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    const waiter = holder(target, ['--wait-ms', '30000']);
    const [first, second] = await Promise.all([h.done, waiter.done]);
    expect(first.result?.ok).toBe(true);
    expect(second.result?.ok).toBe(true);
    expect(second.result?.replaced).toBeNull();
  });
});
