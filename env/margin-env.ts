import type { MarketFrame } from '../src/data/market-frame.ts';
import {
  DEFAULT_MAX_SHARE,
  DEFAULT_MIN_SHARE,
  firstLines,
  parseRatioSchedule,
  ScheduleError,
  schedulePeriodCheck,
  type RatioSchedule,
  type RatioTarget,
  type ReallocationEvent,
} from '../src/schedule.ts';
import { Rng, stream, type AleaState } from '../src/rng.ts';
import { envConfig, type EnvConfig, type EnvConfigInput, type PresetName } from './config.ts';
import { MarginCore, type CoreCounters, type CoreState } from './core.ts';
import { RollingSharpe } from './rolling-sharpe.ts';
import { box, type Box } from './spaces.ts';
import type { Env, ResetResult, StepResult } from './types.ts';

/**
 * Observation layout (length 6 + 2N + K·N, plus 2 when `observeRatio`):
 *
 * | slot                         | meaning                                                      |
 * |------------------------------|--------------------------------------------------------------|
 * | 0 cash                       | b^l, cash in the long margin account (includes the loan)     |
 * | 1 loan                       | l^l, borrowed for longs                                      |
 * | 2 longEquity                 | e^l = b^l + long MV − l^l                                    |
 * | 3 limit                      | l^s, remaining short-sale capacity ($)                       |
 * | 4 credit                     | b^s, credit balance                                          |
 * | 5 shortEquity                | e^s = b^s − l^s − short MV                                   |
 * | 6 … 6+N                      | close prices of the day                                      |
 * | 6+N … 6+2N                   | signed holdings (shares)                                     |
 * | 6+2N … 6+2N+K·N              | indicators grouped by indicator: [macd×N, boll_ub×N, …]      |
 * | OBS_RATIO_SLOT(N,K)          | long share of equity e^l/(e^l+e^s) (observeRatio)            |
 * | OBS_RATIO_SLOT(N,K) + 1      | target long share in force from the ratio schedule           |
 *
 * The first 6 + 2N + 8N values are exactly the paper's 276-value state for N = 27.
 */
const OBS_PER_SLAB = 256;

/** Per-day views of a frame's close and indicator rows, made once per frame and shared by every env on it. */
const ROW_VIEWS = new WeakMap<MarketFrame, { close: Float64Array[]; indicators: Float64Array[] }>();
function rowViews(frame: MarketFrame): { close: Float64Array[]; indicators: Float64Array[] } {
  let v = ROW_VIEWS.get(frame);
  if (!v) {
    const T = frame.dates.length;
    const n = frame.tickers.length;
    const kn = frame.indicatorNames.length * n;
    v = {
      close: Array.from({ length: T }, (_, t) => frame.close.subarray(t * n, (t + 1) * n)),
      indicators: Array.from({ length: T }, (_, t) => frame.indicators.subarray(t * kn, (t + 1) * kn)),
    };
    ROW_VIEWS.set(frame, v);
  }
  return v;
}

export function obsRatioSlot(n: number, k: number): number {
  return 6 + 2 * n + k * n;
}

export interface ResetOptions {
  /** First trading date of the episode (inclusive; the first frame date on or after it). Default: frame start. */
  startDate?: string;
  /** Last date of the episode (inclusive; the last frame date on or before it). Default: frame end. */
  endDate?: string;
  /** Or day indices into the frame (override the dates). */
  startIndex?: number;
  endIndex?: number;
  /** Initial long share of equity in (0, 1); default from config.longShortRatio (r → r/(r+1)). */
  longShare?: number;
  /** Ratio schedule for this episode (replaces the constructor's). */
  schedule?: RatioSchedule | null;
  /** Continue from a saved account (the original's initial=False): 6 account values + N holdings, not re-marked. */
  previousState?: { account: ArrayLike<number>; holdings: ArrayLike<number> };
}

export interface StepInfo {
  /** Date the step traded on (decision date t). */
  date: string;
  /** Date the book is now marked at (t + 1). */
  markDate: string;
  /** Total equity e^l + e^s after the step (the original's asset_memory entry). */
  equity: number;
  longEquity: number;
  shortEquity: number;
  /** e^l / (e^l + e^s). */
  longShare: number;
  /** Target long share in force. */
  targetLongShare: number;
  /** Δ total equity this step, $ (the reward before scaling). */
  rewardRaw: number;
  /** Rolling 5-step Sharpe term (raw, may be NaN when nanSharpe is set). */
  sharpe5: number;
  /** Set when equity was moved between the books before trading this step. */
  reallocation?: { target: number; moved: number; forced: number };
  /** Why the episode ended: 'end_of_data' (truncated), 'negative_short_equity' or 'wipeout' (terminated). */
  reason?: 'end_of_data' | 'negative_short_equity' | 'wipeout';
  /** Equity after the terminal re-margin (paper: it never reaches the account log). */
  equityAfterTerminalRemargin?: number;
  counters: CoreCounters;
}

export interface AdvanceResult {
  reward: number;
  rewardRaw: number;
  sharpe: number;
  terminated: boolean;
  truncated: boolean;
  reason?: StepInfo['reason'];
  reallocation?: StepInfo['reallocation'];
  equityAfterTerminalRemargin?: number;
}

export interface EnvState {
  core: CoreState;
  sharpe: { buf: number[]; count: number; head: number };
  start: number;
  end: number;
  t: number;
  done: boolean;
  target: number;
  nextRealloc: number;
  targetIdx: number;
  rng: AleaState;
  rngSeed: number;
  initialEquity: number;
}

export interface EnvHooks {
  /** Called after trading and margin logic, before the book is re-marked to the next day. */
  preMark?(core: MarginCore, t: number): void;
}

/**
 * Margin Trader's environment with Gymnasium semantics over a MarketFrame.
 * An episode spans frame days [start, end]; each step trades on day t and marks to day t + 1, so it has
 * end − start steps. Reaching the last day is `truncated` (time limit, bootstrap); a negative short
 * equity (the original calls exit()) or a wipe-out is `terminated`.
 */
export class MarginTradingEnv implements Env<ResetOptions, StepInfo | Record<string, never>> {
  readonly cfg: EnvConfig;
  readonly frame: MarketFrame;
  readonly n: number;
  readonly k: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly core: MarginCore;
  hooks: EnvHooks = {};
  /**
   * Events of the ratio schedule that do not act in the current episode (set at reset, setSchedule and
   * setState; see `schedulePeriodCheck`): dated before its first day or after its last trading day, or
   * falling due on the same day as another. Empty when every event acts.
   */
  scheduleWarnings: string[] = [];

  private schedule: RatioSchedule | null;
  private readonly sharpe: RollingSharpe;
  private start = 0;
  private end = 0;
  /** Frame index of the current day. */
  private t = 0;
  private done = true;
  private target = 0.5;
  private nextRealloc = 0;
  private reallocs: ReallocationEvent[] = [];
  /** The schedule's targets, sorted by date (a copy: the caller's schedule is not modified). */
  private targets: RatioTarget[] = [];
  private targetIdx = 0;
  private rng: Rng = stream(0, 'env');
  private rngSeed = 0;
  private readonly macdGate: boolean;
  private readonly riskSeries: Float64Array;
  private initialEquity = 0;
  private readonly reuseBuffer: Float64Array | null;
  private readonly closeRows: Float64Array[];
  private readonly indicatorRows: Float64Array[];
  private slab = new Float64Array(0);
  private slabUsed = OBS_PER_SLAB;
  private readonly result: AdvanceResult = { reward: 0, rewardRaw: 0, sharpe: 0, terminated: false, truncated: false };

  /**
   * @param opts.reuseObservation  false (default): every reset/step returns a fresh observation the caller
   *   owns. true: one buffer is overwritten by every call (copy what you keep) — about 20% faster, for loops
   *   that consume the observation at once.
   */
  constructor(
    frame: MarketFrame,
    config: EnvConfig | EnvConfigInput = {},
    opts: { schedule?: RatioSchedule | null; preset?: PresetName; reuseObservation?: boolean } = {},
  ) {
    // A full config passes through unchanged (it overrides every preset value); a partial one fills from the preset.
    this.cfg = envConfig(opts.preset ?? 'paper', config);
    this.frame = frame;
    this.n = frame.tickers.length;
    this.k = frame.indicatorNames.length;
    const T = frame.dates.length;
    if (T < 2) throw new Error(`MarginTradingEnv: the market frame has ${T} day(s); an episode needs at least 2`);
    if (frame.close.length !== T * this.n) throw new Error(`MarginTradingEnv: close has ${frame.close.length} values, expected ${T}×${this.n}`);
    if (frame.indicators.length !== T * this.k * this.n)
      throw new Error(`MarginTradingEnv: indicators has ${frame.indicators.length} values, expected ${T}×${this.k}×${this.n}`);
    for (let i = 0; i < frame.close.length; i++) {
      if (!(frame.close[i] > 0))
        throw new Error(
          `MarginTradingEnv: close price of ${frame.tickers[i % this.n]} on ${frame.dates[Math.floor(i / this.n)]} is ${frame.close[i]}; prices must be positive`,
        );
    }
    this.obsDim = 6 + 2 * this.n + this.k * this.n + (this.cfg.observeRatio ? 2 : 0);
    this.actDim = 2 * this.n;
    this.observationSpace = box([this.obsDim], -Infinity, Infinity, 'float32');
    this.actionSpace = box([this.actDim], -1, 1, 'float32');
    this.core = new MarginCore(this.n, this.cfg);
    this.sharpe = new RollingSharpe(this.cfg.sharpeWindow, this.cfg.periodsPerYear);
    this.schedule = opts.schedule ? this.checkedSchedule(opts.schedule, 'MarginTradingEnv') : null;
    this.macdGate = this.cfg.macdTradableGate && frame.indicatorNames[0] === 'macd';
    ({ close: this.closeRows, indicators: this.indicatorRows } = rowViews(frame));
    this.reuseBuffer = opts.reuseObservation ? new Float64Array(this.obsDim) : null;
    this.riskSeries = this.cfg.riskIndicator === 'vix' ? frame.vix : frame.turbulence;
  }

  // --- Gymnasium API --------------------------------------------------------------------------------

  reset(args: { seed?: number; options?: ResetOptions } = {}): ResetResult<StepInfo> {
    const o = args.options ?? {};
    // The schedule is validated before anything changes (the hot path never re-validates).
    const given = o.schedule ? this.checkedSchedule(o.schedule, 'reset', false) : o.schedule;
    if (args.seed !== undefined) {
      this.rngSeed = args.seed;
      this.rng = stream(args.seed, 'env');
    }
    const T = this.frame.dates.length;
    this.start = o.startIndex ?? (o.startDate ? this.indexOnOrAfter(o.startDate) : 0);
    this.end = o.endIndex ?? (o.endDate ? this.indexOnOrBefore(o.endDate) : T - 1);
    if (!(this.start >= 0 && this.end < T && this.end > this.start)) {
      throw new Error(
        `reset: the episode [${this.frame.dates[this.start] ?? this.start} … ${this.frame.dates[this.end] ?? this.end}] must contain at least 2 frame days (frame: ${this.frame.dates[0]} … ${this.frame.dates[T - 1]})`,
      );
    }
    if (given) {
      // A schedule handed over with the episode must act in it: one whose every event falls outside is refused.
      const c = schedulePeriodCheck(given, this.frame.dates, this.start, this.end);
      if (c.events > 0 && c.acting === 0) {
        throw new ScheduleError(
          `reset: ratio schedule: none of its ${c.events} event(s) acts in the episode ${this.frame.dates[this.start]} … ${this.frame.dates[this.end - 1]}: ${firstLines(c.warnings.slice(1))}`,
        );
      }
    }
    if (given !== undefined) this.schedule = given;
    this.t = this.start;
    const prices = this.frame.close.subarray(this.t * this.n, (this.t + 1) * this.n);
    let share: number;
    if (o.previousState) {
      this.core.restoreAccount(o.previousState.account, o.previousState.holdings, prices);
      share = this.core.longEquity / this.core.totalEquity;
    } else {
      share = o.longShare ?? this.cfg.longShortRatio / (this.cfg.longShortRatio + 1);
      if (!(share > 0 && share < 1)) throw new Error(`reset: longShare must be in (0, 1), got ${share}`);
      this.core.openAccount(this.cfg.initialAmount, o.longShare !== undefined ? { longShare: share } : { ratio: this.cfg.longShortRatio }, prices);
    }
    this.target = share;
    // The original's asset_memory starts at initial_amount (or the previous total asset).
    this.initialEquity = o.previousState ? this.core.totalEquity : this.cfg.initialAmount;
    this.sharpe.restart(this.initialEquity);
    this.prepareSchedule();
    this.done = false;
    return { observation: this.observation(), info: this.info(0, 0, undefined) };
  }

  step(action: ArrayLike<number>): StepResult<StepInfo> {
    const r = this.advance(action);
    return {
      observation: this.observation(),
      reward: r.reward,
      terminated: r.terminated,
      truncated: r.truncated,
      info: this.info(r.rewardRaw, r.sharpe, r.reason, r.reallocation, r.equityAfterTerminalRemargin),
    };
  }

  // --- control of the long-short ratio -------------------------------------------------------------

  /**
   * Move equity between the books now, at the current prices, to reach `longShare`, which must lie within
   * the schedule's bounds [minShare, maxShare] (default [0.1, 0.9]): a share outside is refused, not clipped.
   */
  setLongShortRatio(longShare: number): { target: number; moved: number; forced: number } {
    if (this.done) throw new Error('setLongShortRatio: call reset() first');
    const lo = this.schedule?.minShare ?? DEFAULT_MIN_SHARE;
    const hi = this.schedule?.maxShare ?? DEFAULT_MAX_SHARE;
    if (!(longShare >= lo && longShare <= hi)) {
      throw new Error(
        `setLongShortRatio: long share ${longShare} is outside the bounds [minShare ${lo}, maxShare ${hi}]${this.schedule ? ' of the ratio schedule' : ' (the defaults)'}; it would be clipped`,
      );
    }
    const res = this.core.reallocate({ target: longShare }, lo, hi);
    this.target = res.target;
    return res;
  }

  /** Replace the ratio schedule between steps; events before the current day are ignored (listed in `scheduleWarnings`). */
  setSchedule(schedule: RatioSchedule | null): void {
    this.schedule = schedule ? this.checkedSchedule(schedule, 'setSchedule') : null;
    this.prepareSchedule();
  }

  /**
   * The schedule through the one contract (src/schedule.ts `RatioScheduleSchema`), then against the
   * frame: a schedule none of whose events acts on any trading day of the frame is refused.
   */
  private checkedSchedule(raw: RatioSchedule, where: string, againstFrame = true): RatioSchedule {
    const s = parseRatioSchedule(raw, `${where}: ratio schedule`);
    if (!againstFrame) return s;
    const d = this.frame.dates;
    const c = schedulePeriodCheck(s, d, 0, d.length - 1);
    if (c.events > 0 && c.acting === 0) {
      throw new ScheduleError(
        `${where}: ratio schedule: none of its ${c.events} event(s) acts on a trading day of the data (${d[0]} … ${d[d.length - 2]}): ${firstLines(c.warnings.slice(1))}`,
      );
    }
    return s;
  }

  get currentDate(): string {
    return this.frame.dates[this.t];
  }

  get currentIndex(): number {
    return this.t;
  }

  get targetLongShare(): number {
    return this.target;
  }

  get episodeBounds(): { start: number; end: number } {
    return { start: this.start, end: this.end };
  }

  get startEquity(): number {
    return this.initialEquity;
  }

  // --- checkpoints ----------------------------------------------------------------------------------

  /** The episode's full state (JSON-able): restoring it continues bit-identically. The schedule is not included. */
  getState(): EnvState {
    return {
      core: this.core.getState(),
      sharpe: this.sharpe.getState(),
      start: this.start,
      end: this.end,
      t: this.t,
      done: this.done,
      target: this.target,
      nextRealloc: this.nextRealloc,
      targetIdx: this.targetIdx,
      rng: this.rng.state(),
      rngSeed: this.rngSeed,
      initialEquity: this.initialEquity,
    };
  }

  setState(s: EnvState): void {
    this.core.setState(s.core);
    this.sharpe.setState(s.sharpe);
    this.start = s.start;
    this.end = s.end;
    this.t = s.t;
    this.done = s.done;
    this.target = s.target;
    this.prepareSchedule();
    this.nextRealloc = s.nextRealloc;
    this.targetIdx = s.targetIdx;
    this.rngSeed = s.rngSeed;
    this.rng = new Rng(`${s.rngSeed}:env`, s.rng);
    this.initialEquity = s.initialEquity;
  }

  // --- internals shared with the vector env ---------------------------------------------------------

  /** Random episode start for training: a uniform start index leaving at least `length` steps. */
  randomStartIndex(length: number, lo = 0, hi = this.frame.dates.length - 1): number {
    const latest = hi - length;
    if (latest < lo) throw new Error(`randomStartIndex: episodes of ${length} steps do not fit in [${lo}, ${hi}]`);
    return lo + this.rng.int(latest - lo + 1);
  }

  /**
   * One step without building the observation or info: the hot path of the vector env.
   * Returns a result object that is reused by the next call (copy what you keep).
   */
  advance(action: ArrayLike<number>): AdvanceResult {
    if (this.done) throw new Error('step: the episode has ended (or never started); call reset() first');
    if (action.length !== this.actDim) throw new Error(`step: expected ${this.actDim} actions (N long then N short), got ${action.length}`);
    const core = this.core;
    const n = this.n;
    const cfg = this.cfg;
    let reallocation: StepInfo['reallocation'];
    // 1. Reallocation due today (before trading, at today's prices; docs/mechanics.md#reallocation).
    if (this.nextRealloc < this.reallocs.length && this.reallocs[this.nextRealloc].date <= this.frame.dates[this.t]) {
      let ev = this.reallocs[this.nextRealloc];
      while (this.nextRealloc + 1 < this.reallocs.length && this.reallocs[this.nextRealloc + 1].date <= this.frame.dates[this.t]) {
        ev = this.reallocs[++this.nextRealloc];
      }
      this.nextRealloc++;
      reallocation = core.reallocate(
        { target: ev.target, change: ev.change },
        this.schedule?.minShare ?? DEFAULT_MIN_SHARE,
        this.schedule?.maxShare ?? DEFAULT_MAX_SHARE,
      );
      this.target = reallocation.target;
      if (cfg.reallocationStartsSegment) {
        // interaction_llm_rl.py re-creates the env at each boundary: day counter, Sharpe window and turbulence restart.
        core.day = 0;
        core.turbulence = 0;
        this.sharpe.restart(core.totalEquity);
      }
    }
    this.advanceTargets();
    const begin = core.longEquity + core.shortEquity;
    // 2. Trade (at today's close, or at tomorrow's open).
    if (this.macdGate) {
      core.macd = this.frame.indicators;
      core.macdOffset = this.t * this.k * n; // macd is the first indicator of the row
    }
    const nextOff = (this.t + 1) * n;
    if (cfg.execution === 'next-open') {
      const open = this.frame.open;
      for (let i = 0; i < n; i++) core.prices[i] = open[nextOff + i];
    }
    core.trade(action);
    if (this.hooks.preMark) this.hooks.preMark(core, this.t);
    // 3. Advance the day and re-mark.
    core.day += 1;
    this.t += 1;
    if (cfg.turbulenceThreshold !== null) core.turbulence = this.riskSeries[this.t];
    const shortExit = core.remark(this.frame.close, nextOff);
    core.accrueFinancing();
    const end = core.longEquity + core.shortEquity;
    const rewardRaw = end - begin;
    this.sharpe.push(end);
    const sharpeRaw = this.sharpe.value();
    const sharpe = cfg.nanSharpe || Number.isFinite(sharpeRaw) ? sharpeRaw : 0;
    const reward = rewardRaw * cfg.rewardScaling + sharpe * cfg.penaltySharpe;
    let terminated = false;
    let truncated = false;
    let reason: StepInfo['reason'];
    if (shortExit) {
      terminated = true;
      reason = 'negative_short_equity';
    } else if (cfg.terminateOnWipeout && end <= 0) {
      terminated = true;
      reason = 'wipeout';
    } else if (this.t >= this.end) {
      truncated = true;
      reason = 'end_of_data';
    }
    let equityAfterTerminalRemargin: number | undefined;
    if (truncated && cfg.terminalRemargin) equityAfterTerminalRemargin = this.terminalRemarginEquity();
    if (terminated || truncated) this.done = true;
    const out = this.result;
    out.reward = reward;
    out.rewardRaw = rewardRaw;
    out.sharpe = sharpe;
    out.terminated = terminated;
    out.truncated = truncated;
    out.reason = reason;
    out.reallocation = reallocation;
    out.equityAfterTerminalRemargin = equityAfterTerminalRemargin;
    return out;
  }

  /**
   * The original's terminal call re-margins both books at the last day's prices. The paper's pipeline
   * discards it (its account log ends before it), so it is run on a copy: the book stays as logged and
   * only the resulting equity is reported (docs/mechanics.md#terminal-re-margin).
   */
  private terminalRemarginEquity(): number {
    const core = this.core;
    const saved = core.getState();
    if (this.macdGate) core.macdOffset = this.t * this.k * this.n;
    if (this.cfg.turbulenceThreshold !== null) core.turbulence = this.riskSeries[this.t];
    core.terminalRemargin();
    const equity = core.totalEquity;
    core.setState(saved);
    return equity;
  }

  /** Write the observation of the current day into `out` at `offset` (no allocation). */
  writeObservation(out: Float64Array | Float32Array, offset = 0): void {
    const core = this.core;
    const n = this.n;
    const t = this.t;
    out[offset] = core.cash;
    out[offset + 1] = core.loan;
    out[offset + 2] = core.longEquity;
    out[offset + 3] = core.limit;
    out[offset + 4] = core.credit;
    out[offset + 5] = core.shortEquity;
    // Per-day views of the frame's rows, made once: copying a row is then one typed-array set.
    out.set(this.closeRows[t], offset + 6);
    const h = core.holdings;
    for (let i = 0; i < n; i++) out[offset + 6 + n + i] = h[i];
    const kn = this.k * n;
    const base = offset + 6 + 2 * n;
    out.set(this.indicatorRows[t], base);
    if (this.cfg.observeRatio) {
      const total = core.longEquity + core.shortEquity;
      out[base + kn] = total !== 0 ? core.longEquity / total : 0;
      out[base + kn + 1] = this.target;
    }
  }

  /** The current observation: fresh (owned by the caller), or the reused buffer with `reuseObservation`. */
  observation(): Float64Array {
    if (this.reuseBuffer) {
      this.writeObservation(this.reuseBuffer);
      return this.reuseBuffer;
    }
    // Observations are carved out of a shared slab: allocating one small typed array per step costs more
    // than the step itself in V8 (each gets its own off-heap buffer). A view of a slab costs a fraction.
    if (this.slabUsed === OBS_PER_SLAB) {
      // Uninitialised memory: every slot is written before an observation is handed out.
      const bytes = OBS_PER_SLAB * this.obsDim * 8;
      const buf = Buffer.allocUnsafeSlow(bytes);
      this.slab = new Float64Array(buf.buffer, buf.byteOffset, OBS_PER_SLAB * this.obsDim);
      this.slabUsed = 0;
    }
    const off = this.slabUsed++ * this.obsDim;
    const o = this.slab.subarray(off, off + this.obsDim);
    this.writeObservation(o);
    return o;
  }

  private info(
    rewardRaw: number,
    sharpe5: number,
    reason?: StepInfo['reason'],
    reallocation?: StepInfo['reallocation'],
    equityAfterTerminalRemargin?: number,
  ): StepInfo {
    const c = this.core;
    const total = c.longEquity + c.shortEquity;
    const markDate = this.frame.dates[this.t];
    const date = this.t > this.start ? this.frame.dates[this.t - 1] : markDate;
    return {
      date,
      markDate,
      equity: total,
      longEquity: c.longEquity,
      shortEquity: c.shortEquity,
      longShare: total !== 0 ? c.longEquity / total : 0,
      targetLongShare: this.target,
      rewardRaw,
      sharpe5,
      reallocation,
      reason,
      equityAfterTerminalRemargin,
      counters: { ...c.counters },
    };
  }

  private prepareSchedule(): void {
    const s = this.schedule;
    const today = this.frame.dates[this.t];
    // The schedule was validated when it was set (checkedSchedule): here it is only ordered.
    this.reallocs = s ? [...s.reallocations].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)) : [];
    this.nextRealloc = 0;
    // Events strictly before the episode's first day are ignored; one on the first day applies before the first trade.
    while (this.nextRealloc < this.reallocs.length && this.reallocs[this.nextRealloc].date < today) this.nextRealloc++;
    this.targetIdx = 0;
    this.targets = [];
    if (s) this.targets = [...s.targets].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    // Events that will not act from today to the episode's last trading day (none before the first reset).
    this.scheduleWarnings = s && this.end > this.t ? schedulePeriodCheck(s, this.frame.dates, this.t, this.end).warnings : [];
    this.advanceTargets();
  }

  /** The schedule's `targets` set the target shown in the observation (the latest dated on or before today). */
  private advanceTargets(): void {
    const targets = this.targets;
    if (targets.length === 0) return;
    const today = this.frame.dates[this.t];
    while (this.targetIdx < targets.length && targets[this.targetIdx].date <= today) {
      this.target = targets[this.targetIdx].longShare;
      this.targetIdx++;
    }
  }

  private indexOnOrAfter(date: string): number {
    const d = this.frame.dates;
    for (let i = 0; i < d.length; i++) if (d[i] >= date) return i;
    throw new Error(`no trading day on or after ${date} in the frame (${d[0]} … ${d[d.length - 1]})`);
  }

  private indexOnOrBefore(date: string): number {
    const d = this.frame.dates;
    for (let i = d.length - 1; i >= 0; i--) if (d[i] <= date) return i;
    throw new Error(`no trading day on or before ${date} in the frame (${d[0]} … ${d[d.length - 1]})`);
  }
}
