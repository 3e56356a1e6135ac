/**
 * Issue 11 §4, ratio schedules: one contract (src/schedule.ts `RatioScheduleSchema`, strict) for a schedule
 * read from a file and one built in code and handed to the env. Well-formed but meaningless schedules are
 * refused naming the field; events that do not act in the period are warnings, or an error when none acts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envConfig } from '../../env/config.ts';
import { MarginTradingEnv } from '../../env/margin-env.ts';
import { MarginVecEnv } from '../../env/vector-env.ts';
import { loadRatioSchedule, parseRatioSchedule, schedulePeriodCheck, type RatioSchedule } from '../../src/schedule.ts';
import { fixtureFrame } from '../helpers/fixture-frame.ts';

const frame = fixtureFrame('random_2019.json', 8); // 2019-01-02 … 2019-12-31, 27 tickers
const N = frame.tickers.length;
const flat = new Float64Array(2 * N);
const TMP = mkdtempSync(join(tmpdir(), 'schedule-contract-'));
const file = (name: string, body: unknown) => {
  const p = join(TMP, name);
  writeFileSync(p, JSON.stringify(body));
  return p;
};
const env = (schedule: RatioSchedule | null = null) => new MarginTradingEnv(frame, envConfig('paper'), { schedule });

/** Each meaningless schedule, the field its error must name, and what the message says. */
const REFUSED: [string, unknown, RegExp][] = [
  [
    'inverted bounds',
    { reallocations: [{ date: '2019-03-01', change: 0.1 }], minShare: 0.8, maxShare: 0.3 },
    /field "minShare": minShare 0\.8 is above maxShare 0\.3/,
  ],
  [
    'a lower bound above the default upper one',
    { reallocations: [{ date: '2019-03-01', change: 0.1 }], minShare: 0.95 },
    /minShare 0\.95 is above maxShare \(default 0\.9\)/,
  ],
  [
    'two reallocations on one date',
    {
      reallocations: [
        { date: '2019-03-01', change: 0.1 },
        { date: '2019-03-01', target: 0.6 },
      ],
    },
    /field "reallocations\.1\.date": two reallocations on 2019-03-01/,
  ],
  [
    'two targets on one date',
    {
      targets: [
        { date: '2019-03-01', longShare: 0.6 },
        { date: '2019-03-01', longShare: 0.4 },
      ],
    },
    /field "targets\.1\.date": two targets on 2019-03-01/,
  ],
  [
    'an absolute target the env would clip (default bounds)',
    { reallocations: [{ date: '2019-03-01', target: 0.95 }] },
    /field "reallocations\.0\.target": target 0\.95 \(reallocation on 2019-03-01\) is outside the bounds \[minShare 0\.1, maxShare 0\.9\] \(the defaults\): the env would clip it to 0\.9/,
  ],
  [
    'an absolute target the env would clip (given bounds)',
    { reallocations: [{ date: '2019-03-01', target: 0.3 }], minShare: 0.4, maxShare: 0.6 },
    /target 0\.3 .* outside the bounds \[minShare 0\.4, maxShare 0\.6\]: the env would clip it to 0\.4/,
  ],
  ['an unknown top-level key', { reallocations: [], maxshare: 0.8 }, /top level: unknown key "maxshare"/],
  ['an unknown key in an event', { reallocations: [{ date: '2019-03-01', change: 0.1, note: 'x' }] }, /field "reallocations\.0": unknown key "note"/],
  ['an impossible date (never fires)', { reallocations: [{ date: '2019-02-30', change: 0.1 }] }, /field "reallocations\.0\.date": expected a real date/],
  ['both target and change', { reallocations: [{ date: '2019-03-01', change: 0.1, target: 0.5 }] }, /exactly one of "target" or "change"/],
  ['a share outside [0, 1]', { targets: [{ date: '2019-03-01', longShare: 1.5 }] }, /target long share 1\.5 on 2019-03-01 is outside \[0, 1\]/],
];

describe('one schedule contract, from a file and from code', () => {
  for (const [what, body, message] of REFUSED) {
    it(`refuses ${what}: the file names itself and the field; the env refuses the same object`, () => {
      const p = file(`${what.replace(/\W+/g, '-')}.json`, body);
      expect(() => loadRatioSchedule(p)).toThrow(message);
      expect(() => loadRatioSchedule(p)).toThrow(`${p}: `);
      // Built by hand in code: refused at construction, at reset and at setSchedule alike.
      const s = body as RatioSchedule;
      expect(() => env(s)).toThrow(message);
      const e = env();
      expect(() => e.reset({ options: { schedule: s } })).toThrow(message);
      e.reset();
      expect(() => e.setSchedule(s)).toThrow(message);
    });
  }

  // The same words from a file and from code: only the prefix naming the source differs.
  const SAME: [string, unknown][] = [
    ['an impossible date (2021-02-30 would silently never fire)', { reallocations: [{ date: '2021-02-30', change: 0.1 }] }],
    ['an impossible target date', { targets: [{ date: '2021-02-30', longShare: 0.6 }] }],
    ['inverted bounds', { reallocations: [{ date: '2019-03-01', target: 0.5 }], minShare: 0.7, maxShare: 0.2 }],
  ];
  for (const [what, body] of SAME) {
    it(`refuses ${what} from code exactly as from a file, with the same message`, () => {
      const p = file(`same-${what.replace(/\W+/g, '-')}.json`, body);
      const messageOf = (f: () => unknown): string => {
        try {
          f();
        } catch (e) {
          expect((e as Error).name).toBe('DataError'); // a ScheduleError: the CLI prints it as one line
          return (e as Error).message;
        }
        throw new Error('not refused');
      };
      const fromFile = messageOf(() => loadRatioSchedule(p));
      expect(fromFile.startsWith(`${p}: field "`)).toBe(true);
      const detail = fromFile.slice(p.length + 2);
      const s = body as RatioSchedule;
      const e = env();
      e.reset();
      expect(messageOf(() => env(s))).toBe(`MarginTradingEnv: ratio schedule: ${detail}`);
      expect(messageOf(() => e.reset({ options: { schedule: s } }))).toBe(`reset: ratio schedule: ${detail}`);
      expect(messageOf(() => e.setSchedule(s))).toBe(`setSchedule: ratio schedule: ${detail}`);
      expect(messageOf(() => new MarginVecEnv(frame, envConfig('paper'), { numEnvs: 2, schedule: s }))).toBe(`MarginVecEnv: ratio schedule: ${detail}`);
      expect(messageOf(() => parseRatioSchedule(s, 'here'))).toBe(`here: ${detail}`);
    });
  }

  it('accepts what compare writes (schedule fields plus its provenance) and returns the schedule fields', () => {
    const p = file('compare.json', {
      targets: [{ date: '2019-03-01', longShare: 0.6 }],
      reallocations: [{ date: '2019-03-01', change: 0.1 }],
      minShare: 0.1,
      maxShare: 0.9,
      decisions: [{ boundary: '2019-03-01' }],
      rule: 'paper',
      freqMonths: 6,
    });
    expect(loadRatioSchedule(p)).toEqual({
      targets: [{ date: '2019-03-01', longShare: 0.6 }],
      reallocations: [{ date: '2019-03-01', change: 0.1 }],
      minShare: 0.1,
      maxShare: 0.9,
    });
  });

  it('a multiplicative change is clipped by design (the paper rule), an absolute target inside the bounds is exact', () => {
    expect(() => parseRatioSchedule({ reallocations: [{ date: '2019-03-01', change: 5 }] })).not.toThrow();
    const e = env({ targets: [], reallocations: [{ date: '2019-03-01', target: 0.9 }] });
    e.reset();
    let moved;
    for (;;) {
      const r = e.step(flat);
      if (r.info.reallocation) moved = r.info.reallocation;
      if (r.truncated || r.terminated) break;
    }
    expect(moved!.target).toBe(0.9);
  });

  it('setLongShortRatio refuses a share outside the bounds instead of clipping it', () => {
    const e = env();
    e.reset();
    expect(() => e.setLongShortRatio(0.95)).toThrow(/setLongShortRatio: long share 0\.95 is outside the bounds \[minShare 0\.1, maxShare 0\.9\]/);
    expect(e.setLongShortRatio(0.7).target).toBe(0.7);
  });
});

describe('events outside the period', () => {
  it('events that never act are listed in env.scheduleWarnings at reset (ignored, never firing, overridden)', () => {
    const e = env({
      targets: [{ date: '2020-06-01', longShare: 0.6 }],
      reallocations: [
        { date: '2018-12-31', target: 0.7 }, // before the episode: ignored
        { date: '2019-03-01', change: 0.1 },
        { date: '2019-06-01', target: 0.6 }, // Saturday …
        { date: '2019-06-02', target: 0.4 }, // … and Sunday: both due on Monday 2019-06-03, only the later applies
        { date: '2020-01-15', change: -0.1 }, // after the data: never fires
      ],
    });
    e.reset({ options: { startDate: '2019-01-02', endDate: '2019-12-31' } });
    expect(e.scheduleWarnings).toEqual([
      "the reallocation on 2018-12-31 is before the period's first trading day 2019-01-02: it is ignored",
      'the reallocations on 2019-06-01 and 2019-06-02 both fall due on 2019-06-03: only the later one applies',
      "the reallocation on 2020-01-15 is after the period's last trading day 2019-12-30: it never fires",
      "the target on 2020-06-01 is after the period's last trading day 2019-12-30: it is never shown",
    ]);
    // A shorter episode: more of the same schedule falls outside it.
    e.reset({ options: { startDate: '2019-04-01', endDate: '2019-05-31' } });
    expect(e.scheduleWarnings.join('\n')).toMatch(/the reallocation on 2019-03-01 is before the period's first trading day 2019-04-01/);
    expect(e.scheduleWarnings[0]).toMatch(/^no event of the ratio schedule acts in the period 2019-04-01 … 2019-05-30/);
  });

  it('a schedule none of whose events acts on a trading day of the data is an error', () => {
    const s = {
      targets: [],
      reallocations: [
        { date: '2030-01-02', change: 0.1 },
        { date: '2018-06-01', target: 0.5 },
      ],
    };
    expect(() => env(s)).toThrow(/MarginTradingEnv: ratio schedule: none of its 2 event\(s\) acts on a trading day of the data \(2019-01-02 … 2019-12-30\)/);
    const e = env();
    e.reset();
    expect(() => e.setSchedule(s)).toThrow(/setSchedule: ratio schedule: none of its 2 event/);
  });

  it('a schedule handed to reset with its episode must act in that episode', () => {
    const e = env();
    const s = { targets: [], reallocations: [{ date: '2019-09-02', change: 0.1 }] };
    expect(() => e.reset({ options: { startDate: '2019-01-02', endDate: '2019-06-28', schedule: s } })).toThrow(
      /reset: ratio schedule: none of its 1 event\(s\) acts in the episode 2019-01-02 … 2019-06-27: the reallocation on 2019-09-02 is after/,
    );
    // An empty schedule is not an error (it does nothing, knowingly).
    expect(() => e.reset({ options: { schedule: { targets: [], reallocations: [] } } })).not.toThrow();
  });

  it('schedulePeriodCheck gives the same answer for the days of a daily log (what evaluate and backtest report)', () => {
    const c = schedulePeriodCheck(
      {
        targets: [],
        reallocations: [
          { date: '2019-03-01', change: 0.1 },
          { date: '2019-12-31', change: 0.1 },
        ],
      },
      frame.dates,
    );
    expect(c).toEqual({ events: 2, acting: 1, warnings: ["the reallocation on 2019-12-31 is after the period's last trading day 2019-12-30: it never fires"] });
  });
});
