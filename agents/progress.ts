/**
 * Training progress on stderr: a cli-progress bar with ETA on a terminal, periodic plain lines otherwise
 * (logs, CI), nothing in tests.
 */
import cliProgress from 'cli-progress';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface Progress {
  /** `done` env steps of `total`; `fields` are shown after the counters (e.g. sps, mean return). */
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  /** Steps already done (resume). */
  initial?: number;
  mode?: ProgressMode;
  label?: string;
  /** Seconds between plain lines (mode 'lines'). */
  intervalSec?: number;
  stream?: NodeJS.WriteStream;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

function formatFields(fields?: Record<string, string | number>): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
    .join(' | ');
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const mode = opts.mode === 'auto' || opts.mode === undefined ? (stream.isTTY ? 'bar' : 'lines') : opts.mode;
  const label = opts.label ?? 'train';
  const initial = opts.initial ?? 0;
  if (mode === 'none') return { update() {}, stop() {} };

  if (mode === 'bar') {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} steps | ETA {eta_formatted} | {fields}`,
        stream,
        hideCursor: true,
        etaBuffer: 20,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(opts.total, initial, { fields: '' });
    return {
      update(done, fields) {
        bar.update(done, { fields: formatFields(fields) });
      },
      stop() {
        bar.stop();
      },
    };
  }

  const intervalMs = (opts.intervalSec ?? 10) * 1000;
  const t0 = Date.now();
  let last = t0;
  let lastDone = initial;
  const line = (done: number, fields?: Record<string, string | number>) => {
    const elapsed = (Date.now() - t0) / 1000;
    const rate = (done - initial) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (opts.total - done) / rate : NaN;
    const pct = ((100 * done) / opts.total).toFixed(1);
    const extra = formatFields(fields);
    stream.write(
      `[${label}] ${done}/${opts.total} steps (${pct}%) | elapsed ${formatDuration(elapsed)} | ETA ${formatDuration(eta)}${extra ? ' | ' + extra : ''}\n`,
    );
  };
  return {
    update(done, fields) {
      lastDone = done;
      const now = Date.now();
      if (now - last >= intervalMs || done >= opts.total) {
        last = now;
        line(done, fields);
      }
    },
    stop() {
      if (lastDone < opts.total && Date.now() - last > 0) line(lastDone);
    },
  };
}
