/**
 * One writer at a time: an exclusive lock per output (a run folder, a signals file, the replay cache).
 *
 * The lock of `target` is the file `<target>.lock` next to it — the same rule for a file (`runs/x.jsonl` →
 * `runs/x.jsonl.lock`) and for a folder (`runs/x` → `runs/x.lock`, outside the folder, so it can be taken
 * before the folder exists and never shows up among the folder's outputs). It holds one JSON line
 * `{host, pid, started, command, token}`: who holds it, since when, doing what; `token` is random and tells
 * one acquisition from another.
 *
 * - Taking it is atomic: the content is written to a temp file, which is then hard-linked to the lock
 *   name (link fails if the name exists, on every local filesystem and on NFS), so a lock is never seen
 *   half-written. Where hard links are not supported, `open(…, 'wx')` is the fallback.
 * - A lock is stale when its holder ran on this host and that process is gone (`kill(pid, 0)` → ESRCH,
 *   or a zombie), or when it names this very pid but predates this process (a pid reused after a crash).
 *   A stale lock is taken over atomically: under a short `<lock>.takeover` guard the lock is re-read,
 *   checked to be still the same stale one, replaced by rename, and re-read to confirm it is ours.
 * - A lock held on another host is never taken over: this host cannot tell whether that process is alive.
 *   The error says so and how to remove it by hand. Leases (`staleAfterMs`, the sweep's tasks on shared
 *   storage) are the exception: their holders touch them (`heartbeat()`), and one left untouched for
 *   `staleAfterMs` is stale on any host. A lock that cannot be read is not taken over either.
 * - A live holder on this host that is not the original process (its pid reused by an unrelated process)
 *   keeps the lock: the safe direction; the error tells how to remove it.
 * - `release()` removes the lock only if it is still ours, and is idempotent; every lock still held is
 *   released when the process exits normally (`process.on('exit')`), including after a Ctrl-C or SIGTERM
 *   that a command turns into a normal exit. A process killed outright leaves its lock, which is then
 *   stale for the next run on the same host.
 *
 * Also here: `uniqueTempPath`, the temp-file names of atomic writes, unique across hosts sharing a folder.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** What a lock file says about its holder. */
export interface LockInfo {
  host: string;
  pid: number;
  /** ISO time the lock was taken. */
  started: string;
  /** The command line of the holder (for the error message). */
  command: string;
  /** Random per acquisition; absent in locks written by hand. */
  token?: string;
}

export interface LockOptions {
  /** What the target is, for messages: "signals file", "run folder". */
  what?: string;
  /** Recorded as the holder's command (default: this process's command line). */
  command?: string;
  /** Keep trying this long while another live holder has it (default 0: fail at once). */
  waitMs?: number;
  /**
   * A lock whose file was not touched (`heartbeat()`) for this long is stale whatever host holds it: for
   * leases on storage shared by many hosts, whose holders keep them fresh (default: never; only a gone
   * holder on this host is stale).
   */
  staleAfterMs?: number;
}

export interface Lock {
  /** The locked file or folder, as given. */
  readonly target: string;
  /** The lock file. */
  readonly path: string;
  readonly info: LockInfo;
  /** The stale lock this acquisition took over (its holder was gone), or null. */
  readonly replaced: LockInfo | null;
  /** True until released. */
  readonly held: boolean;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
  /** Marks the lock as still in use (its file's modification time), for `staleAfterMs`; false if it is no longer ours. */
  heartbeat(): boolean;
}

/** Exit status for "another run holds the lock; try again later" (sysexits EX_TEMPFAIL). */
export const LOCKED_EXIT_CODE = 75;

/** Another process (or this one) holds the lock of `target`. */
export class LockedError extends Error {
  override readonly name = 'LockedError';
  constructor(
    message: string,
    readonly target: string,
    readonly lockPath: string,
    /** The holder, or null when the lock file could not be read. */
    readonly holder: LockInfo | null,
  ) {
    super(message);
  }
}

const HOST = hostname();
/** When this process started (ms since the epoch). */
const PROCESS_START_MS = performance.timeOrigin;

/** The lock file of `target` (a file or a folder): `<target>.lock`. */
export function lockPathOf(target: string): string {
  const t = target.replace(/[\\/]+$/, '');
  return `${t === '' ? target : t}.lock`;
}

/**
 * A temp name next to `path` for an atomic write (write, fsync, rename): `.<name>.tmp-<host>-<pid>-<random>`,
 * unique across processes and across hosts that share the folder (NFS).
 */
export function uniqueTempPath(path: string): string {
  const host = HOST.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64) || 'host';
  return join(dirname(path), `.${basename(path).slice(0, 100)}.tmp-${host}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

// Locks this process holds, by lock path; released at exit.
const held = new Map<string, LockHandle>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of [...held.values()]) lock.release();
  });
}

type Holder = { kind: 'missing' } | { kind: 'ok'; info: LockInfo } | { kind: 'unreadable'; problem: string };

function parseInfo(text: string): LockInfo | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return text.trim() === '' ? 'the lock file is empty' : 'the lock file is not JSON';
  }
  const o = v as (Omit<Partial<LockInfo>, 'pid'> & { pid?: unknown }) | null;
  if (typeof o !== 'object' || o === null) return 'the lock file is not a JSON object';
  if (typeof o.host !== 'string' || o.host === '') return 'the lock file has no host';
  const pid = typeof o.pid === 'string' && /^\d+$/.test(o.pid) ? Number(o.pid) : o.pid;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return 'the lock file has no valid pid';
  return {
    host: o.host,
    pid,
    started: typeof o.started === 'string' ? o.started : 'an unknown time',
    command: typeof o.command === 'string' ? o.command : '',
    ...(typeof o.token === 'string' ? { token: o.token } : {}),
  };
}

function readOnce(path: string): Holder {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', problem: (e as Error).message };
  }
  const info = parseInfo(text);
  return typeof info === 'string' ? { kind: 'unreadable', problem: info } : { kind: 'ok', info };
}

/** The holder of a lock file; an unreadable one is re-read a few times (the `wx` fallback writes after creating). */
function readHolder(path: string): Holder {
  let h = readOnce(path);
  for (let i = 0; i < 5 && h.kind === 'unreadable'; i++) {
    sleepSync(10);
    h = readOnce(path);
  }
  return h;
}

/** Reads the lock of `target` without taking it: null when there is none. */
export function readLock(target: string): LockInfo | null {
  const h = readOnce(lockPathOf(target));
  return h.kind === 'ok' ? h.info : null;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether process `pid` on this host is alive (a zombie counts as gone; another user's process as alive). */
export function processState(pid: number): 'alive' | 'gone' {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'alive';
  }
  if (process.platform === 'linux') {
    try {
      // A zombie (exited, not yet reaped) answers kill(0) but holds nothing: "pid (name) Z …".
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return 'gone';
    } catch {
      // No /proc: trust kill(0).
    }
  }
  return 'alive';
}

function isStale(info: LockInfo, lockPath: string, staleAfterMs?: number): boolean {
  if (staleAfterMs !== undefined && !held.has(lockPath)) {
    try {
      if (Date.now() - statSync(lockPath).mtimeMs > staleAfterMs) return true;
    } catch {
      // Gone meanwhile: the caller re-reads it.
    }
  }
  if (info.host !== HOST) return false;
  if (info.pid === process.pid) {
    // Ours only if this process took it; one that names our pid but predates us is a crashed predecessor's.
    const started = Date.parse(info.started);
    return !held.has(lockPath) && Number.isFinite(started) && started < PROCESS_START_MS - 1000;
  }
  return processState(info.pid) === 'gone';
}

function sameAcquisition(a: LockInfo, b: LockInfo): boolean {
  return a.host === b.host && a.pid === b.pid && a.started === b.started && a.token === b.token;
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  fsyncSync(fd);
}

function writeTemp(nextTo: string, content: string): string {
  const tmp = uniqueTempPath(nextTo);
  const fd = openSync(tmp, 'wx');
  try {
    writeAll(fd, content);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/** Creates `path` with `content` if it does not exist; false when it does. Atomic. */
function createExclusive(path: string, content: string): boolean {
  const tmp = writeTemp(path, content);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EXDEV') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  // No hard links on this filesystem: exclusive create, then write (readers retry a half-written lock).
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeAll(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Replaces the stale lock `stale` at `path` with ours; false if someone else got there first. */
function takeOver(path: string, stale: LockInfo, content: string, ours: LockInfo, staleAfterMs?: number): boolean {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, content)) {
    // Another process is taking it over right now; a guard left by a takeover that crashed is removed.
    const g = readOnce(guard);
    if (g.kind === 'ok' && isStale(g.info, guard, staleAfterMs)) rmSync(guard, { force: true });
    return false;
  }
  try {
    const current = readOnce(path);
    if (current.kind === 'missing') return createExclusive(path, content);
    if (current.kind !== 'ok' || !sameAcquisition(current.info, stale)) return false;
    renameSync(writeTemp(path, content), path);
    const confirm = readOnce(path);
    return confirm.kind === 'ok' && sameAcquisition(confirm.info, ours);
  } finally {
    rmSync(guard, { force: true });
  }
}

function describeTarget(target: string, what: string | undefined): string {
  return what ? `${what} ${target}` : target;
}

function lockedError(target: string, path: string, holder: Holder, what: string | undefined): LockedError {
  const subject = describeTarget(target, what);
  if (holder.kind !== 'ok') {
    const problem = holder.kind === 'unreadable' ? holder.problem : 'the lock file vanished and reappeared repeatedly';
    return new LockedError(
      `${subject} is locked by ${path}, whose holder cannot be told (${problem}); remove ${path} if no other run is using ${target}`,
      target,
      path,
      null,
    );
  }
  const h = holder.info;
  const doing = h.command ? ` (${h.command.length > 200 ? `${h.command.slice(0, 199)}…` : h.command})` : '';
  const self = h.host === HOST && h.pid === process.pid ? ' (this very process)' : '';
  const advice =
    h.host === HOST
      ? `wait for it to finish, or remove ${path} if that process is gone`
      : `this host (${HOST}) cannot tell whether that process is still running, so the lock is not taken over: wait for it to finish, or remove ${path} if it is gone`;
  return new LockedError(`${subject} is in use by pid ${h.pid}${self} on host ${h.host} since ${h.started}${doing}; ${advice}`, target, path, h);
}

class LockHandle implements Lock {
  private isHeld = true;
  constructor(
    readonly target: string,
    readonly path: string,
    readonly info: LockInfo,
    readonly replaced: LockInfo | null,
  ) {}

  get held(): boolean {
    return this.isHeld;
  }

  heartbeat(): boolean {
    if (!this.isHeld) return false;
    const current = readOnce(this.path);
    if (current.kind !== 'ok' || !sameAcquisition(current.info, this.info)) return false;
    const now = new Date();
    utimesSync(this.path, now, now);
    return true;
  }

  release(): void {
    if (!this.isHeld) return;
    this.isHeld = false;
    if (held.get(this.path) === this) held.delete(this.path);
    const current = readOnce(this.path);
    if (current.kind === 'ok' && sameAcquisition(current.info, this.info)) rmSync(this.path, { force: true });
  }
}

function defaultCommand(): string {
  const [, script, ...args] = process.argv;
  const cmd = [script ? basename(script).replace(/\.(c|m)?[jt]s$/, '') : 'node', ...args].join(' ');
  return cmd.length > 500 ? `${cmd.slice(0, 499)}…` : cmd;
}

/**
 * Takes the exclusive lock of `target` (a file or a folder; see the top of this file), or throws a
 * `LockedError` naming the holder. The folder that holds the lock file is created if missing.
 */
export function acquireLock(target: string, options: LockOptions = {}): Lock {
  const path = lockPathOf(target);
  mkdirSync(dirname(path), { recursive: true });
  const info: LockInfo = {
    host: HOST,
    pid: process.pid,
    started: new Date().toISOString(),
    command: options.command ?? defaultCommand(),
    token: randomBytes(8).toString('hex'),
  };
  const content = `${JSON.stringify(info)}\n`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  let last: Holder = { kind: 'missing' };
  for (let attempt = 0; attempt < 1000; attempt++) {
    let replaced: LockInfo | null = null;
    let ok = createExclusive(path, content);
    if (!ok) {
      last = readHolder(path);
      if (last.kind === 'missing') continue; // released between our two steps: try again
      if (last.kind === 'ok' && isStale(last.info, path, options.staleAfterMs)) {
        if (!takeOver(path, last.info, content, info, options.staleAfterMs)) {
          sleepSync(2); // another process is taking it over: see who won
          continue;
        }
        ok = true;
        replaced = last.info;
      }
    }
    if (ok) {
      const lock = new LockHandle(target, path, info, replaced);
      held.set(path, lock);
      installExitHook();
      return lock;
    }
    if (Date.now() >= deadline) break;
    sleepSync(Math.min(25, Math.max(1, deadline - Date.now())));
  }
  throw lockedError(target, path, last, options.what);
}

/** Runs `work` holding the lock of `target`; releases it however `work` ends. */
export async function withLock<T>(target: string, options: LockOptions, work: (lock: Lock) => T | Promise<T>): Promise<T> {
  const lock = acquireLock(target, options);
  try {
    return await work(lock);
  } finally {
    lock.release();
  }
}
