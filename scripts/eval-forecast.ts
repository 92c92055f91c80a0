// `npm run eval:forecast`: holds out the last horizon of each synthetic series (analysis/capacity/eval/),
// forecasts it from the rest, and prints per profile and overall, as markdown: MASE of the model, of the
// seasonal-naive and of the naive forecast (all scaled by the in-sample seasonal-naive MAE), and the
// coverage of the 80 % and 95 % intervals. Deterministic.
//
//   npm run eval:forecast -- [--seeds 8]
import { parseArgs } from 'node:util';
import { forecast } from '../analysis/capacity/forecast.ts';
import { FORECAST_PROFILES, generateForecastCase, type ForecastCase } from '../analysis/capacity/eval/series.ts';

const { values: opts } = parseArgs({ options: { seeds: { type: 'string', default: '8' } } });
const seeds = Number(opts.seeds);
if (!Number.isInteger(seeds) || seeds < 1) {
  process.stderr.write(`eval-forecast: --seeds must be a positive integer, not ${opts.seeds}\n`);
  process.exit(2);
}

interface Score {
  mase: number;
  maseSnaive: number;
  maseNaive: number;
  cov80: number;
  cov95: number;
}

/** The last non-null value at or before index i (for the naive forecasts over missing points). */
function lastValue(y: readonly (number | null)[], i: number): number {
  for (let k = i; k >= 0; k--) if (y[k] !== null) return y[k] as number;
  return NaN;
}

function score(c: ForecastCase): Score {
  const hist = c.values.slice(0, c.values.length - c.horizon);
  const test = c.values.slice(hist.length);
  const n = hist.length;
  let scale = 0;
  let m = 0;
  for (let i = c.season; i < n; i++) {
    const a = hist[i];
    const b = hist[i - c.season];
    if (a !== null && b !== null) (scale += Math.abs(a - b)), m++;
  }
  scale /= m;
  const f80 = forecast(hist, c.stepMs, c.horizon, 0.8);
  const f95 = forecast(hist, c.stepMs, c.horizon, 0.95);
  const last = lastValue(hist, n - 1);
  const s = { mae: 0, snaive: 0, naive: 0, in80: 0, in95: 0, k: 0 };
  test.forEach((a, h) => {
    if (a === null) return;
    const snaive = lastValue(hist, n - c.season + (h % c.season));
    s.mae += Math.abs(a - f80.forecast[h]);
    s.snaive += Math.abs(a - snaive);
    s.naive += Math.abs(a - last);
    s.in80 += a >= f80.lower[h] && a <= f80.upper[h] ? 1 : 0;
    s.in95 += a >= f95.lower[h] && a <= f95.upper[h] ? 1 : 0;
    s.k++;
  });
  return { mase: s.mae / s.k / scale, maseSnaive: s.snaive / s.k / scale, maseNaive: s.naive / s.k / scale, cov80: s.in80 / s.k, cov95: s.in95 / s.k };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const row = (name: string, ss: Score[]): string => {
  const wins = ss.filter((x) => x.mase < x.maseSnaive).length;
  return `| ${name} | ${ss.length} | ${mean(ss.map((x) => x.mase)).toFixed(2)} | ${mean(ss.map((x) => x.maseSnaive)).toFixed(2)} | ${mean(ss.map((x) => x.maseNaive)).toFixed(2)} | ${wins}/${ss.length} | ${(100 * mean(ss.map((x) => x.cov80))).toFixed(0)} % | ${(100 * mean(ss.map((x) => x.cov95))).toFixed(0)} % |`;
};

const started = Date.now();
const all: Score[] = [];
const lines = [
  '| profile | series | MASE model | MASE seasonal-naive | MASE naive | model beats seasonal-naive | 80 % coverage | 95 % coverage |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const p of FORECAST_PROFILES) {
  const ss = Array.from({ length: seeds }, (_, k) => score(generateForecastCase(p, k + 1)));
  all.push(...ss);
  lines.push(row(p, ss));
}
lines.push(row('**overall**', all));
process.stdout.write(`${lines.join('\n')}\n\n${all.length} series, ${((Date.now() - started) / 1000).toFixed(1)} s. MASE: mean absolute error over the held-out horizon / in-sample seasonal-naive MAE.\n`);
