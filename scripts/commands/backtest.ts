/** `marginlab backtest`: flag wiring over `runBacktest` (agents/portfolio/backtest.ts). */
import type { Command } from 'commander';
import { BacktestSchema, runBacktest } from '../../agents/portfolio/backtest.ts';
import { withPreset } from '../../agents/portfolio/strategies.ts';
import { StrategyError } from '../../agents/portfolio/strategy.ts';
import { parseDateRange } from '../../src/data/panel.ts';
import { eventsInRange, loadRatioSchedule, ScheduleError, schedulePeriodCheck, type RatioSchedule } from '../../src/schedule.ts';
import { checkBundledData, checkOutputDir, UserError } from '../errors.ts';
import { addSchemaOptions, parseSchemaOptions } from '../schema-flags.ts';

export function registerBacktestCommand(program: Command): void {
  const cmd = program
    .command('backtest')
    .description(
      "trade one portfolio strategy (mean-variance, min-variance, FinRL's MVO, equal weight, buy-and-hold, inverse volatility, risk parity, HRP, momentum) " +
        'through the margin account over a trade period; writes weights.csv, account.csv, metrics.json and report.html',
    );
  addSchemaOptions(cmd, BacktestSchema, { skip: ['sectors'] });
  cmd
    .option('--sectors <json>', 'sector or group limits as JSON, e.g. \'[{"name":"Information Technology","upper":0.3}]\'')
    .option('--prices <file>', "a long-format OHLCV CSV of your own instead of the universe's bundled file (same as --universe FILE)")
    .option('--ratio-schedule <file>', "trade under a ratio schedule (JSON, e.g. an overlay's from compare): the books follow its long share")
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  marginlab backtest --strategy mvo --objective max-sharpe --cov ledoit-wolf --window 252 --rebalance monthly --max-weight 0.3 --trade 2020-05-01:2024-03-28 --out runs/mvo\n' +
        '  marginlab backtest --strategy min-variance --cov sample --window 252 --rebalance monthly --out runs/minvar\n' +
        '  marginlab backtest --strategy mvo --min-weight -0.2 --max-weight 0.3 --gross 1.6 --net 1 --out runs/130-30\n' +
        '  marginlab backtest --strategy risk-parity --universe sectors --trade 2019-01-01:2024-12-31 --out runs/rp-sectors\n' +
        '  marginlab backtest --strategy momentum --universe crypto --lookback 90 --skip 7 --top-k 2 --rebalance weekly --out runs/mom-crypto\n' +
        '\nWeights are fractions of equity (shorts negative); rates are annual; Sharpe ratios in the metrics use a risk-free rate of 0.',
    )
    .action((o: Record<string, unknown>, c: Command) => {
      const extra: Record<string, unknown> = {};
      if (typeof o.prices === 'string') extra.universe = o.prices;
      if (typeof o.sectors === 'string') {
        try {
          extra.sectors = JSON.parse(o.sectors);
        } catch (e) {
          throw new UserError(`--sectors: expected JSON, got "${o.sectors}" (${(e as Error).message})`);
        }
      }
      const cfg = parseSchemaOptions(BacktestSchema, o, c, extra, (raw) => withPreset(String(raw.strategy ?? ''), raw));
      let schedule: RatioSchedule | null = null;
      if (typeof o.ratioSchedule === 'string') {
        try {
          schedule = loadRatioSchedule(o.ratioSchedule);
        } catch (e) {
          throw new UserError(`--ratio-schedule ${(e as Error).message}`);
        }
        // Before any work: a schedule with no event dated inside the trade period would do nothing.
        let trade;
        try {
          trade = parseDateRange(cfg.trade, '--trade');
        } catch (e) {
          throw new UserError((e as Error).message);
        }
        const events = schedule.reallocations.length + schedule.targets.length;
        if (events > 0 && eventsInRange(schedule, trade.start, trade.end) === 0) {
          throw new UserError(
            `--ratio-schedule ${o.ratioSchedule}: none of its ${events} event(s) is dated inside the trade period ${trade.start} … ${trade.end}: it would do nothing`,
          );
        }
      }
      checkBundledData(); // the backtest reads the bundled data (prices, VIX, benchmark): refuse a corrupted bundle, naming the file
      checkOutputDir(cfg.out); // runBacktest creates it (with its parents) once the run succeeds
      const t0 = Date.now();
      let res;
      try {
        res = runBacktest(cfg, { schedule, log: (s) => process.stderr.write(`[backtest] ${s}\n`) });
      } catch (e) {
        if (e instanceof StrategyError) throw new UserError(e.message);
        if (e instanceof ScheduleError) throw new UserError(`--ratio-schedule ${o.ratioSchedule}: ${e.message}`);
        throw e;
      }
      const m = res.metrics;
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      console.log(`${res.description}`);
      console.log(`universe ${res.universe}, ${res.rows[0].date} … ${res.rows[res.rows.length - 1].date}, ${res.decisions.length} decision(s)`);
      console.log(
        `  return ${pct(m.cumulativeReturns)}  annual ${pct(m.annualReturn)}  vol ${pct(m.annualVolatility)}  Sharpe ${m.sharpeRatio.toFixed(3)}  max drawdown ${pct(m.maxDrawdown)}  turnover ${m.annualTurnover?.toFixed(2) ?? 'n/a'}/yr  fees $${Math.round(m.costs).toLocaleString('en-US')}`,
      );
      console.log(`  ${res.benchmark.name}: return ${pct(res.benchmark.metrics.cumulativeReturns)}  Sharpe ${res.benchmark.metrics.sharpeRatio.toFixed(3)}`);
      for (const n of res.notes) console.log(`note: ${n}`);
      // Events of the schedule that never act in the trade period (ignored, never firing, overridden).
      if (schedule)
        for (const w of schedulePeriodCheck(
          schedule,
          res.rows.map((r) => r.date),
        ).warnings)
          console.error(`warning: --ratio-schedule ${o.ratioSchedule}: ${w}`);
      console.log(`run folder: ${res.out} (weights.csv, account.csv, metrics.json, report.html) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });
}
