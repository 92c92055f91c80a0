import { describe, expect, it } from 'vitest';
import { exhaustionRange, renderReport } from './report.ts';
import { formatValue, timeTicks, valueScale } from './report-format.ts';
import { capacityFixture, EVIL_HOST, FIXTURE_NOW } from './testdata/snapshot-fixture.ts';
import type { ExhaustionRow } from './snapshot.ts';

const DAY = 86_400_000;
const lines = (csv: string) => csv.trimEnd().split('\n');

describe('renderReport', () => {
  const full = renderReport(capacityFixture());

  it('shows a host name with HTML in it as text, never as an element', () => {
    expect(full.html).not.toContain(EVIL_HOST);
    expect(full.html).not.toMatch(/<img/i);
    expect(full.html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(full.json).toContain(JSON.stringify(EVIL_HOST));
  });

  it('escapes data in attributes too', () => {
    const s = capacityFixture();
    const evil = { ...s, forecasts: [{ ...s.forecasts[0], key: '"><script>alert(1)</script>' }] };
    const { html } = renderReport(evil);
    expect(html).not.toContain('<script');
    expect(html).toContain('data-chart="forecast:&#34;&#62;&#60;script&#62;');
  });

  it('is self-contained: no script, no external fetch', () => {
    expect(full.html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|<[a-z][^>]*\ssrc=/i);
    expect(full.html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('never prints NaN, undefined or Infinity', () => {
    for (const text of [full.html, full.json, ...Object.values(full.csv)]) expect(text).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('has a title with the window and generation time, and a summary', () => {
    expect(full.html).toContain('<title>Capacity report</title>');
    expect(full.html).toContain('Data from 2026-10-25 02:00 to 2026-11-22 02:00 UTC (28 days); generated 2026-11-22 02:00 UTC.');
    expect(full.html).toMatch(/Runs out first:<\/strong> disk df\.used of <span class="host">cache-fra1-003<\/span>/);
    expect(full.html).toMatch(/Lowest headroom:<\/strong> fra1 · r640, -3\.7 %/);
  });

  it('draws one chart per forecast and throughput model, plus the headroom chart, each with a title', () => {
    const charts = [...full.html.matchAll(/<svg class="chart" data-chart="([^"]+)"[^>]*aria-label="[^"]+"[^>]*><title>[^<]+<\/title>/g)].map((m) => m[1]);
    expect(charts).toEqual([
      'headroom:all',
      'throughput:r640', 'throughput:r750', 'throughput:as-1114s',
      'forecast:site=fra1,metric=egress', 'forecast:site=ams1,metric=egress', 'forecast:disk:cache-fra1-003:9f1c2e77', 'forecast:site=par1,metric=requests',
    ]);
    expect(full.html.match(/<path class="band"/g)).toHaveLength(4);
    expect(full.html.match(/<line class="capacity"/g)).toHaveLength(3);
    expect(full.html.match(/<circle class="knee"/g)).toHaveLength(3);
    // The six-hour gap breaks the history line: two sub-paths.
    const hist = full.html.match(/<path class="history" d="([^"]+)"/)![1];
    expect(hist.match(/M/g)).toHaveLength(2);
  });

  it('sorts exhaustion soonest first and always prints a range', () => {
    const rows = lines(full.csv['exhaustion.csv']).slice(1).map((l) => l.split(',')[0]);
    expect(rows.slice(0, 5)).toEqual(['cache-fra1-003', 'cache-fra1-021', 'cache-par1-008', 'cache-fra1-017', 'edge-ams1-002']);
    const text = full.html.replace(/<[^>]+>/g, '');
    expect(text).toContain('2026-12-04 – 2026-12-13 (in 12–21 days, likely 16)');
    expect(text).toContain('2026-12-22 or later (in 30+ days, likely 44; no upper bound)');
    expect(text).toContain('no date: shrinking');
    expect(full.html).toContain('<td><span class="nw">2026-12-04</span> – <span class="nw">2026-12-13</span> (in 12–21 days');
  });

  it('highlights negative headroom', () => {
    expect(full.html).toMatch(/<tr class="neg"><td>fra1<\/td><td>r640<\/td>/);
    expect(full.html.match(/<rect class="bar neg"/g)).toHaveLength(1);
  });

  it.each([
    ['exhaustion.csv', 'host,site,hw_model,resource,metric,labels,unit,capacity,used,days_to_full,days_low,days_high,full_at,full_earliest,full_latest,slope_per_day,reason', 9],
    ['headroom.csv', 'site,hw_model,hosts,load,capacity,headroom,unit', 6],
    ['throughput.csv', 'hw_model,hosts,per_host,low,high,unit,target,points,x_label,y_label', 3],
    ['forecasts.csv', 'key,title,unit,time,kind,value,lower,upper,capacity', 4 * (28 * 24 + 14 * 24)],
  ])('writes %s with its header and one row per item', (name, header, rows) => {
    const l = lines(full.csv[name]);
    expect(l[0]).toBe(header);
    expect(l.length - 1).toBe(rows);
  });

  it('quotes CSV fields with commas', () => {
    expect(lines(full.csv['forecasts.csv'])[1]).toMatch(/^"site=fra1,metric=egress",fra1 egress,bit\/s,2026-10-25T02:00:00.000Z,history,/);
  });

  it.each([
    ['fra1', 3, 2, ['r640', 'r750'], ['site=fra1,metric=egress', 'disk:cache-fra1-003:9f1c2e77']],
    ['ams1', 3, 2, ['r640', 'r750'], ['site=ams1,metric=egress']],
    ['par1', 3, 2, ['as-1114s', 'r750'], ['site=par1,metric=requests']],
    ['nowhere', 0, 0, [], []],
  ])('filters every section to site %s', (site, exhaustion, headroom, models, forecasts) => {
    const r = renderReport(capacityFixture(), { site });
    const s = JSON.parse(r.json) as ReturnType<typeof capacityFixture>;
    expect(s.exhaustion).toHaveLength(exhaustion);
    expect(s.exhaustion.every((x) => x.site === site)).toBe(true);
    expect(s.headroom).toHaveLength(headroom);
    expect(s.throughput.map((t) => t.hwModel).sort()).toEqual([...models].sort());
    expect(s.forecasts.map((f) => f.key)).toEqual(forecasts);
    expect(lines(r.csv['exhaustion.csv'])).toHaveLength(exhaustion + 1);
    expect(lines(r.csv['headroom.csv'])).toHaveLength(headroom + 1);
    expect(r.html).toContain(`<title>Capacity report for ${site}</title>`);
    expect(r.html).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('renders the same output twice', () => {
    expect(renderReport(capacityFixture())).toEqual(full);
  });

  it('renders an empty snapshot without charts or broken numbers', () => {
    const r = renderReport({ generatedAt: FIXTURE_NOW, from: FIXTURE_NOW - DAY, to: FIXTURE_NOW, exhaustion: [], headroom: [], throughput: [], forecasts: [], warnings: [] });
    expect(r.html).not.toContain('<svg');
    expect(r.html).toContain('nothing is on course to run out');
    expect(r.html).not.toMatch(/NaN|undefined|Infinity/);
    expect(lines(r.csv['headroom.csv'])).toHaveLength(1);
  });

  it('skips values that are not finite instead of drawing NaN', () => {
    const s = capacityFixture();
    const f = s.forecasts[0];
    const bad = { ...s, forecasts: [{ ...f, history: [...f.history, [FIXTURE_NOW, Number.NaN] as const], forecast: [...f.forecast, [FIXTURE_NOW + 30 * DAY, Infinity, 0, 1] as const] }] };
    const { html } = renderReport(bad);
    expect(html.match(/<svg[\s\S]*?<\/svg>/g)!.join('')).not.toMatch(/NaN|Infinity/);
  });
});

describe('exhaustionRange', () => {
  const row: ExhaustionRow = { host: 'h', site: 's', hwModel: 'm', metric: 'df.used', labels: {}, resource: 'disk', unit: 'bytes', capacity: 1, used: 0.5, daysToFull: 10, daysLow: 8, daysHigh: 13, fullAt: FIXTURE_NOW + 10 * DAY, slopePerDay: 0.05 };
  it.each([
    ['a bounded range', row, '2026-11-30 – 2026-12-05 (in 8–13 days, likely 10)'],
    ['no upper bound', { ...row, daysHigh: null }, '2026-11-30 or later (in 8+ days, likely 10; no upper bound)'],
    ['no lower bound', { ...row, daysLow: null }, 'by 2026-12-05 (in 0–13 days, likely 10)'],
    ['not growing', { ...row, daysToFull: null, daysLow: null, daysHigh: null, fullAt: null, reason: 'flat' }, 'no date: flat'],
  ])('%s', (_, r, want) => {
    expect(exhaustionRange(r, FIXTURE_NOW)).toBe(want);
  });
});

describe('formatting', () => {
  it.each([
    [3.84e12, 'bytes', '3.49 TiB'],
    [512 * 2 ** 30, 'B', '512 GiB'],
    [1023, 'B', '1020 B'],
    [71e9, 'bit/s', '71 Gbit/s'],
    [-2e9, 'bit/s', '-2 Gbit/s'],
    [850, 'req/s', '850 req/s'],
    [12_500, '', '12.5 k'],
    [42.123, '%', '42.1%'],
    [Number.NaN, 'B', '–'],
  ])('formatValue(%s, %j) = %s', (v, unit, want) => {
    expect(formatValue(v, unit)).toBe(want);
  });

  it.each([
    ['6 hours', FIXTURE_NOW, FIXTURE_NOW + 6 * 3_600_000, ['02:00', '03:00', '04:00', '05:00', '06:00', '07:00', '08:00']],
    ['6 weeks, on Mondays', Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 12), ['2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09']],
    ['a year, by months', Date.UTC(2026, 0, 15), Date.UTC(2027, 0, 15), ['2026-03', '2026-05', '2026-07', '2026-09', '2026-11', '2027-01']],
  ])('timeTicks over %s', (_, from, to, want) => {
    expect(timeTicks(from, to).map((t) => t.label)).toEqual(want);
  });

  it('puts byte ticks at round binary values', () => {
    const s = valueScale(0, 3.84e12, 'bytes');
    expect(s.ticks.map((t) => t.label)).toEqual(['0 B', '1 TiB', '2 TiB', '3 TiB', '4 TiB']);
  });
});
