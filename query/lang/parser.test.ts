import { describe, expect, it } from 'vitest';
import type { Expr, Instant, Pipeline, Query, Span, Stage } from './ast.ts';
import { QueryError } from './errors.ts';
import { MAX_EXPR_DEPTH, MAX_NESTING, MAX_QUERY_BYTES, parseQuery } from './parser.ts';
import { mulberry32 } from '../../lib/random.ts';

/** An expression as compact text with every operation in parentheses, so precedence is visible. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'number':
    case 'bool':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'null':
      return 'null';
    case 'duration':
      return `${e.text}(${e.ms}ms)`;
    case 'instant':
      return showInstant(e.instant);
    case 'name':
      return e.name;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'list':
      return `[${e.items.map(show).join(', ')}]`;
    case 'not':
      return `(not ${show(e.expr)})`;
    case 'neg':
      return `(-${show(e.expr)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
  }
}

function showInstant(i: Instant): string {
  if (i.kind === 'absolute') return `@${new Date(i.ms).toISOString()}`;
  if (i.kind === 'now') return `now${i.offsetMs === 0 ? '' : i.offsetMs > 0 ? `+${i.offsetMs}ms` : `${i.offsetMs}ms`}`;
  return i.kind;
}

function stage<K extends Stage['kind']>(p: Pipeline, i: number, kind: K): Extract<Stage, { kind: K }> {
  const s = p.stages[i];
  expect(s?.kind).toBe(kind);
  return s as Extract<Stage, { kind: K }>;
}

/** The expression of `| where <text>`. */
function whereExpr(text: string): Expr {
  return stage(parseQuery(`metric "m" last 1h | where ${text}`).pipeline, 0, 'where').expr;
}

/** The error `parseQuery(text)` throws. */
function parseError(text: string): QueryError {
  try {
    parseQuery(text);
  } catch (err) {
    if (err instanceof QueryError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

const slice = (q: Query, span: Span) => q.text.slice(span.start, span.end);

const H = 3_600_000;

describe('parseQuery: the example queries of §6.4', () => {
  it('1: stats with named aggregates by an attribute, then sort desc', () => {
    const q = parseQuery(`metric "http.response_time_ms" last 24h
| stats avg_ms = avg(value), p99_ms = p99(value), hosts = dcount(host) by hw_model
| sort p99_ms desc`);
    expect(q.explain).toBe(false);
    expect(q.bindings).toEqual([]);
    const src = q.pipeline.source;
    expect(src.kind === 'metric' && src.metrics.map((m) => m.name)).toEqual(['http.response_time_ms']);
    expect(src.kind === 'metric' && src.range.kind === 'last' && src.range.duration.ms).toBe(24 * H);
    const stats = stage(q.pipeline, 0, 'stats');
    expect(stats.aggs.map((a) => [a.as, a.fn, a.args.map(show).join(), a.expr])).toEqual([
      ['avg_ms', 'avg', 'value', undefined],
      ['p99_ms', 'p99', 'value', undefined],
      ['hosts', 'dcount', 'host', undefined],
    ]);
    expect(stats.by.map((n) => n.name)).toEqual(['hw_model']);
    expect(stats.every).toBeUndefined();
    const sort = stage(q.pipeline, 1, 'sort');
    expect(sort.keys.map((k) => [show(k.expr), k.desc])).toEqual([['p99_ms', true]]);
  });

  it('2: rate with comments, then two stats; count() has no arguments', () => {
    const q = parseQuery(`metric "http.requests" last 24h
| rate                                  // per series, reset-aware
| stats rps = avg(value) by host        // time-weighted: Σincrease ÷ Σelapsed per host
| stats hosts = count(), rps_per_host = avg(rps), p10 = pct(rps, 0.1), p90 = pct(rps, 0.9) by hw_model`);
    expect(stage(q.pipeline, 0, 'rate')).toMatchObject({ per: undefined, reset: undefined });
    expect(stage(q.pipeline, 1, 'stats').by.map((n) => n.name)).toEqual(['host']);
    const outer = stage(q.pipeline, 2, 'stats');
    expect(outer.aggs.map((a) => `${a.as}=${a.fn}(${a.args.map(show).join(', ')})`)).toEqual([
      'hosts=count()',
      'rps_per_host=avg(rps)',
      'p10=pct(rps, 0.1)',
      'p90=pct(rps, 0.9)',
    ]);
  });

  it('3: where before the range; compare with per and level', () => {
    const q = parseQuery(`metric "http.response_time_ms" where service = "api" last 7d
| compare value by hw_model per host level 0.95`);
    const src = q.pipeline.source;
    expect(src.kind === 'metric' && src.where && show(src.where)).toBe('(service = "api")');
    const cmp = stage(q.pipeline, 0, 'compare');
    expect(show(cmp.expr)).toBe('value');
    expect(cmp.by.map((n) => n.name)).toEqual(['hw_model']);
    expect([cmp.per?.name, cmp.within, cmp.test, cmp.level]).toEqual(['host', undefined, undefined, 0.95]);
  });

  it('4: a let binding over two lines, join and correlate with a lag range', () => {
    const q = parseQuery(`let backbone = metric "collectd.interface.if_octets" where host ~ "core*" and ds = "rx" last 7d
  | rate | stats every 5m util = max(value * 8 / 100e9);
metric "http.response_time_ms" last 7d
| stats every 5m p99 = p99(value)
| join $backbone
| correlate util, p99 lag 0m to 30m`);
    expect(q.bindings.map((b) => b.name)).toEqual(['backbone']);
    const bp = q.bindings[0].pipeline;
    expect(bp.source.kind === 'metric' && bp.source.where && show(bp.source.where)).toBe('((host ~ "core*") and (ds = "rx"))');
    const util = stage(bp, 1, 'stats');
    expect(util.every?.ms).toBe(300_000);
    expect(util.aggs.map((a) => `${a.as}=${a.fn}(${a.args.map(show).join()})`)).toEqual(['util=max(((value * 8) / 100000000000))']);
    const join = stage(q.pipeline, 1, 'join');
    expect([join.left, join.ref.name, join.on]).toEqual([false, 'backbone', []]);
    const cor = stage(q.pipeline, 2, 'correlate');
    expect([show(cor.a), show(cor.b), cor.lagFrom?.ms, cor.lagTo?.ms, cor.by]).toEqual(['util', 'p99', 0, 1_800_000, []]);
  });

  it('5: live after the range, stats every 10s, view', () => {
    const q = parseQuery(`metric "http.response_time_ms" where host ~ "web-*" last 15m live
| stats every 10s p99 = p99(value) by host
| view timechart`);
    const src = q.pipeline.source;
    expect(src.kind === 'metric' && [src.live, src.range.kind === 'last' && src.range.duration.ms]).toEqual([true, 900_000]);
    expect(stage(q.pipeline, 0, 'stats').every?.ms).toBe(10_000);
    expect(stage(q.pipeline, 1, 'view')).toMatchObject({ name: { name: 'timechart' }, options: [] });
  });

  it('6: rate reset drop, fill null (null is a fill mode here), arithmetic around an aggregate, view options', () => {
    const q = parseQuery(`metric "collectd.interface.if_octets" where host = "core1" and plugin_instance = "xe-0/0/0" last 6h
| rate reset drop
| stats every 1m fill null bps = 8 * avg(value) by ds
| view timechart -title "core1 xe-0/0/0"`);
    expect(stage(q.pipeline, 0, 'rate').reset).toBe('drop');
    const stats = stage(q.pipeline, 1, 'stats');
    expect([stats.every?.ms, stats.fill]).toEqual([60_000, 'null']);
    const [bps] = stats.aggs;
    expect([bps.as, bps.fn, bps.args.map(show).join(), bps.expr && show(bps.expr)]).toEqual(['bps', 'avg', 'value', '(8 * avg(value))']);
    expect(slice(q, bps.fnSpan)).toBe('avg');
    const view = stage(q.pipeline, 2, 'view');
    expect(view.options.map((o) => [o.name, show(o.value), slice(q, o.span)])).toEqual([['title', '"core1 xe-0/0/0"', '-title "core1 xe-0/0/0"']]);
  });

  it('7: an aggregate inside arithmetic; top n by a group', () => {
    const q = parseQuery(`metric "collectd.cpu.percent" where type_instance = "idle" last 1h
| stats busy = 100 - avg(value) by host
| top 3 busy by dc`);
    const [busy] = stage(q.pipeline, 0, 'stats').aggs;
    expect([busy.as, busy.fn, busy.expr && show(busy.expr)]).toEqual(['busy', 'avg', '(100 - avg(value))']);
    const top = stage(q.pipeline, 1, 'top');
    expect([top.n, show(top.expr), top.asc, top.by.map((n) => n.name)]).toEqual([3, 'busy', false, ['dc']]);
  });

  it('8: trend until an attribute, then where and sort on one line', () => {
    const q = parseQuery(`metric "collectd.df.used_bytes" where mount = "/data" last 30d
| stats every 1d used = max(value) by host
| trend used until disk_capacity_bytes
| where days_to_full < 60 | sort days_to_full`);
    const trend = stage(q.pipeline, 1, 'trend');
    expect([show(trend.expr), trend.for, trend.until && show(trend.until), trend.by]).toEqual(['used', undefined, 'disk_capacity_bytes', []]);
    expect(show(stage(q.pipeline, 2, 'where').expr)).toBe('(days_to_full < 60)');
    expect(stage(q.pipeline, 3, 'sort').keys.map((k) => [show(k.expr), k.desc])).toEqual([['days_to_full', false]]);
  });

  it('9: a binding named today, a from/to range of relative instants, shift, join and eval', () => {
    const q = parseQuery(`let today = metric "http.requests" last 24h | rate | stats every 10m rps = avg(value);
metric "http.requests" from now-48h to now-24h | rate | stats every 10m rps_1d_ago = avg(value)
| shift 24h | join $today
| eval change_pct = 100 * (rps - rps_1d_ago) / rps_1d_ago`);
    expect(q.bindings[0].name).toBe('today');
    const src = q.pipeline.source;
    if (src.kind !== 'metric' || src.range.kind !== 'between') throw new Error('expected a from/to range');
    expect([showInstant(src.range.from), src.range.to && showInstant(src.range.to)]).toEqual([`now${-48 * H}ms`, `now${-24 * H}ms`]);
    expect(slice(q, src.range.span)).toBe('from now-48h to now-24h');
    expect(stage(q.pipeline, 2, 'shift').duration.ms).toBe(24 * H);
    expect(stage(q.pipeline, 3, 'join').ref.name).toBe('today');
    const ev = stage(q.pipeline, 4, 'eval');
    expect(ev.assigns.map((a) => [a.name, show(a.expr)])).toEqual([['change_pct', '((100 * (rps - rps_1d_ago)) / rps_1d_ago)']]);
  });

  it('10: enrich asof with two attributes', () => {
    const q = parseQuery(`metric "http.response_time_ms" last 90d
| enrich asof hw_model, firmware
| stats every 1d p99 = p99(value) by hw_model, firmware`);
    const enrich = stage(q.pipeline, 0, 'enrich');
    expect([enrich.asof, enrich.names.map((n) => n.name)]).toEqual([true, ['hw_model', 'firmware']]);
    expect(stage(q.pipeline, 1, 'stats').by.map((n) => n.name)).toEqual(['hw_model', 'firmware']);
  });

  it('11: outliers with a method', () => {
    const q = parseQuery(`metric "http.response_time_ms" last 24h
| stats every 5m p99 = p99(value) by host
| outliers p99 method tukey by host`);
    const o = stage(q.pipeline, 1, 'outliers');
    expect([show(o.expr), o.method?.name, o.by.map((n) => n.name)]).toEqual(['p99', 'tukey', ['host']]);
  });

  it('12: explain', () => {
    const q = parseQuery('explain metric "http.response_time_ms" last 30d | stats p99 = p99(value) by hw_model');
    expect(q.explain).toBe(true);
    expect(slice(q, q.pipeline.span)).toBe('metric "http.response_time_ms" last 30d | stats p99 = p99(value) by hw_model');
  });
});

describe('parseQuery: sources and stages', () => {
  it.each([
    ['several metric names with a wildcard', 'metric "cpu.*", "load.shortterm" last 1h', 'cpu.*,load.shortterm'],
    ['the range before where', 'metric "m" last 1h where host = "a"', 'm'],
    ['live after where', 'metric "m" last 1h where host = "a" live', 'm'],
  ])('%s', (_name, text, metrics) => {
    const src = parseQuery(text).pipeline.source;
    expect(src.kind === 'metric' && src.metrics.map((m) => m.name).join()).toBe(metrics);
  });

  it('assets and $name sources', () => {
    const assets = parseQuery('assets where role = "db" | head 5').pipeline;
    expect(assets.source.kind === 'assets' && assets.source.where && show(assets.source.where)).toBe('(role = "db")');
    expect(parseQuery('assets').pipeline.source).toMatchObject({ kind: 'assets', where: undefined });
    const changes = parseQuery('changes where kind = "deploy" last 7d | stats count() by host').pipeline.source;
    expect(changes.kind === 'changes' && changes.where && show(changes.where)).toBe('(kind = "deploy")');
    expect(parseQuery('changes from now-2d to now-1d').pipeline.source).toMatchObject({ kind: 'changes', where: undefined, range: { kind: 'between' } });
    expect(parseQuery('changes last 1h where host = "a"').pipeline.source).toMatchObject({ kind: 'changes', range: { kind: 'last', duration: { ms: 3_600_000 } } });
    const ref = parseQuery('let a = assets; $a | head 1');
    expect(ref.pipeline.source).toMatchObject({ kind: 'ref', name: 'a' });
  });

  it('trailing options in any order', () => {
    const p = parseQuery(`metric "m" last 1h
| rate reset restart per 1s
| top 5 x by dc asc
| compare v by g level 0.99 test welch within dc per sample
| correlate a, b by host lag -30m to 30m
| trend used by host for 30d until cap
| join left $x on host, ts`.replace('| join', '| where true | join').replace('metric "m"', 'let x = assets;\nmetric "m"')).pipeline;
    expect(stage(p, 0, 'rate')).toMatchObject({ reset: 'restart', per: { ms: 1000, text: '1s' } });
    expect(stage(p, 1, 'top')).toMatchObject({ n: 5, asc: true, by: [{ name: 'dc' }] });
    expect(stage(p, 2, 'compare')).toMatchObject({ level: 0.99, test: { name: 'welch' }, within: { name: 'dc' }, per: { name: 'sample' } });
    expect(stage(p, 3, 'correlate')).toMatchObject({ lagFrom: { ms: -1_800_000, text: '-30m' }, lagTo: { ms: 1_800_000 }, by: [{ name: 'host' }] });
    expect(stage(p, 4, 'trend')).toMatchObject({ for: { ms: 30 * 24 * H }, until: { kind: 'name', name: 'cap' }, by: [{ name: 'host' }] });
    expect(stage(p, 6, 'join')).toMatchObject({ left: true, ref: { name: 'x' }, on: [{ name: 'host' }, { name: 'ts' }] });
  });

  it('sort keys, head, eval with several assignments, view options of every literal kind', () => {
    const p = parseQuery(`metric "m" last 1h
| sort a desc, b asc, c
| head 10
| eval x = a * 2, y = x + 1
| view table -limit 20 -min -5 -stacked true -title 'T' -window 5m -since now-1h`).pipeline;
    expect(stage(p, 0, 'sort').keys.map((k) => `${show(k.expr)} ${k.desc}`)).toEqual(['a true', 'b false', 'c false']);
    expect(stage(p, 1, 'head').n).toBe(10);
    expect(stage(p, 2, 'eval').assigns.map((a) => `${a.name}=${show(a.expr)}`)).toEqual(['x=(a * 2)', 'y=(x + 1)']);
    expect(stage(p, 3, 'view').options.map((o) => `${o.name}:${show(o.value)}`)).toEqual([
      'limit:20',
      'min:-5',
      'stacked:true',
      'title:"T"',
      'window:5m(300000ms)',
      'since:now-3600000ms',
    ]);
  });

  it('aggregates: unnamed, with several calls, and a non-aggregate call left to the compiler', () => {
    const stats = stage(parseQuery('metric "m" last 1h | stats count(), ratio = sum(a) / sum(b), r = round(avg(x), 2)').pipeline, 0, 'stats');
    expect(stats.aggs.map((a) => [a.as, a.fn, a.expr && show(a.expr)])).toEqual([
      [undefined, 'count', undefined],
      ['ratio', 'sum', '(sum(a) / sum(b))'],
      ['r', 'round', undefined],
    ]);
  });

  it('bindings can use earlier bindings', () => {
    const q = parseQuery('let a = assets; let b = $a | head 1; $b | join $a');
    expect(q.bindings.map((b) => [b.name, b.pipeline.source.kind])).toEqual([['a', 'assets'], ['b', 'ref']]);
  });

  it('parses the same text twice to equal trees', () => {
    const text = 'let x = assets;\nmetric "m" last 1h | join $x | stats every 1m fill prev avg(value) by host';
    expect(parseQuery(text)).toEqual(parseQuery(text));
  });
});

describe('parseQuery: expressions', () => {
  it.each([
    ['a or b and c', '(a or (b and c))'],
    ['a and b or c and d', '((a and b) or (c and d))'],
    ['a or b or c', '((a or b) or c)'],
    ['not a = 1 and b', '((not (a = 1)) and b)'],
    ['not not a', '(not (not a))'],
    ['a = 1 or not b < 2 and c', '((a = 1) or ((not (b < 2)) and c))'],
    ['a + b * c - d', '((a + (b * c)) - d)'],
    ['a - b - c', '((a - b) - c)'],
    ['a / b % c * d', '(((a / b) % c) * d)'],
    ['-a * b', '((-a) * b)'],
    ['- -a', '(-(-a))'],
    ['a - -1', '(a - (-1))'],
    ['(a + b) * c', '((a + b) * c)'],
    ['a + b < c * 2', '((a + b) < (c * 2))'],
    ['a != b and a <= b and a >= b and a > b', '((((a != b) and (a <= b)) and (a >= b)) and (a > b))'],
    ['host ~ "web-*" and host !~ "web-9*"', '((host ~ "web-*") and (host !~ "web-9*"))'],
    ['x in [1, 2] or y in ("a")', '((x in [1, 2]) or (y in ["a"]))'],
    ['x not in []', '(not (x in []))'],
    ['x in [a + 1, f(b)]', '(x in [(a + 1), f(b)])'],
    ['f() + pct(x, 0.9)', '(f() + pct(x, 0.9))'],
    ['a = true or b = false or c = null', '(((a = true) or (b = false)) or (c = null))'],
    ['x = 1.5e3 + 100e9 + 0.25 + 007', '(x = (((1500 + 100000000000) + 0.25) + 7))'],
    ['ts > now-1h and ts < now', '((ts > now-3600000ms) and (ts < now))'],
    ['ts > now - 1h', '(ts > (now - 1h(3600000ms)))'],
    ['ts >= today and ts < yesterday + 1d', '((ts >= today) and (ts < (yesterday + 1d(86400000ms))))'],
    ['ts < @2026-01-01T00:00:00Z', '(ts < @2026-01-01T00:00:00.000Z)'],
  ])('%s', (text, want) => expect(show(whereExpr(text))).toBe(want));

  it('does not let a comparison chain', () => {
    expect(parseError('metric "m" last 1h | where a = b = c').message).toBe('comparisons cannot be chained');
  });
});

describe('parseQuery: contextual keywords', () => {
  it('stage and option words are names where a name is expected', () => {
    const p = parseQuery(`metric "m" last 1h
| where role = "db" and from = 1 and last > 2 and live and by and level
| stats last = last(value), every = count(), fill = max(x) by level, role
| sort level desc, by
| eval asc = 1, desc = 2, where = 3
| enrich asof, role
| compare value by level level 0.9`).pipeline;
    expect(show(stage(p, 0, 'where').expr)).toBe('((((((role = "db") and (from = 1)) and (last > 2)) and live) and by) and level)');
    const stats = stage(p, 1, 'stats');
    expect([stats.every, stats.fill]).toEqual([undefined, undefined]);
    expect(stats.aggs.map((a) => `${a.as}=${a.fn}`)).toEqual(['last=last', 'every=count', 'fill=max']);
    expect(stats.by.map((n) => n.name)).toEqual(['level', 'role']);
    expect(stage(p, 2, 'sort').keys.map((k) => `${show(k.expr)}:${k.desc}`)).toEqual(['level:true', 'by:false']);
    expect(stage(p, 3, 'eval').assigns.map((a) => a.name)).toEqual(['asc', 'desc', 'where']);
    expect(stage(p, 4, 'enrich')).toMatchObject({ asof: false, names: [{ name: 'asof' }, { name: 'role' }] });
    expect(stage(p, 5, 'compare')).toMatchObject({ by: [{ name: 'level' }], level: 0.9 });
  });

  it('keywords are names after let and in join; backquotes make any text a name', () => {
    const q = parseQuery('let metric = assets; let now = assets;\nmetric "m" last 1h | join $metric | join $now | where `and` = 1 and `plugin-instance` != "" | stats `p99 ms` = p99(value)');
    expect(q.bindings.map((b) => b.name)).toEqual(['metric', 'now']);
    expect(show(stage(q.pipeline, 2, 'where').expr)).toBe('((and = 1) and (plugin-instance != ""))');
    expect(stage(q.pipeline, 3, 'stats').aggs[0].as).toBe('p99 ms');
  });

  it('a backquoted word is never a keyword', () => {
    expect(parseError('metric "m" last 1h | `stats` count()').message).toBe('unknown stage "stats"');
    expect(show(whereExpr('`now` > `true`'))).toBe('(now > true)');
  });
});

describe('parseQuery: spans', () => {
  const text = [
    'let x = metric "a"', //   line 1
    '  last 1h;', //           line 2
    'metric "b" last 2h // comment', // line 3
    '| stats p99 = p99(value)', // line 4
    '    by host', //          line 5
    '| where (a + b) * c > now-1h', // line 6
    '| join $x',
  ].join('\n');
  const q = parseQuery(text);

  it('cover exactly the text of each node, with the line and column of its start', () => {
    const b = q.bindings[0];
    expect([slice(q, b.span), b.span.line, b.span.col]).toEqual(['let x = metric "a"\n  last 1h;', 1, 1]);
    expect([slice(q, b.nameSpan), b.nameSpan.col]).toEqual(['x', 5]);
    expect(slice(q, b.pipeline.span)).toBe('metric "a"\n  last 1h');
    const src = b.pipeline.source;
    expect(src.kind === 'metric' && [slice(q, src.range.span), src.range.span.line, src.range.span.col]).toEqual(['last 1h', 2, 3]);

    expect([slice(q, q.pipeline.span), q.pipeline.span.line]).toEqual([text.slice(text.indexOf('metric "b"')), 3]);
    const stats = stage(q.pipeline, 0, 'stats');
    expect([slice(q, stats.span), stats.span.line, stats.span.col]).toEqual(['stats p99 = p99(value)\n    by host', 4, 3]);
    const [agg] = stats.aggs;
    expect([slice(q, agg.span), slice(q, agg.fnSpan), agg.fnSpan.line, agg.fnSpan.col]).toEqual(['p99 = p99(value)', 'p99', 4, 15]);
    expect([slice(q, stats.by[0].span), stats.by[0].span.line, stats.by[0].span.col]).toEqual(['host', 5, 8]);
  });

  it('cover parentheses of an operand but not of the expression itself', () => {
    const where = stage(q.pipeline, 1, 'where').expr;
    if (where.kind !== 'binary' || where.left.kind !== 'binary' || where.left.left.kind !== 'binary') throw new Error(show(where));
    expect([slice(q, where.span), where.span.line, where.span.col]).toEqual(['(a + b) * c > now-1h', 6, 9]);
    expect(slice(q, where.left.span)).toBe('(a + b) * c');
    expect([slice(q, where.left.left.span), where.left.left.span.col]).toEqual(['a + b', 10]);
    expect(where.right.kind === 'instant' && [slice(q, where.right.span), slice(q, where.right.instant.span)]).toEqual(['now-1h', 'now-1h']);
    expect(slice(q, stage(q.pipeline, 2, 'join').ref.span)).toBe('$x');
  });
});

describe('parseQuery: literals', () => {
  it.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['7d', 7 * 24 * H],
    ['2w', 14 * 24 * H],
    ['1w2d3h4m5s6ms', 604_800_000 + 2 * 86_400_000 + 3 * H + 4 * 60_000 + 5000 + 6],
    ['0m', 0],
  ])('last %s', (text, ms) => {
    const src = parseQuery(`metric "m" last ${text}`).pipeline.source;
    expect(src.kind === 'metric' && src.range.kind === 'last' && [src.range.duration.ms, src.range.duration.text]).toEqual([ms, text]);
  });

  it.each([
    ['now', 'now'],
    ['now-24h', `now${-24 * H}ms`],
    ['now+1h', `now+${H}ms`],
    ['now - 90m', `now${-90 * 60_000}ms`],
    ['today', 'today'],
    ['yesterday', 'yesterday'],
    ['@2026-01-01', '@2026-01-01T00:00:00.000Z'],
    ['@2026-01-01T00:00:00Z', '@2026-01-01T00:00:00.000Z'],
    ['@2026-01-01T08:30Z', '@2026-01-01T08:30:00.000Z'],
    ['@2026-01-01T08:30:00+02:00', '@2026-01-01T06:30:00.000Z'],
    ['@2026-01-01T08:30-0530', '@2026-01-01T14:00:00.000Z'],
    ['@2026-01-01t08:30:15.25z', '@2026-01-01T08:30:15.250Z'],
    ['@2024-02-29', '@2024-02-29T00:00:00.000Z'],
  ])('from %s', (text, want) => {
    const src = parseQuery(`metric "m" from ${text} to now`).pipeline.source;
    expect(src.kind === 'metric' && src.range.kind === 'between' && showInstant(src.range.from)).toBe(want);
  });

  it.each([
    ['"plain"', 'plain'],
    ["'single'", 'single'],
    ['"say \\"hi\\""', 'say "hi"'],
    ["'it\\'s'", "it's"],
    ['\'say "hi"\'', 'say "hi"'],
    ['"tab\\there\\nnewline\\r"', 'tab\there\nnewline\r'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"caf\\u00e9 \\u{1F600}"', 'café 😀'],
    ['"web-\\d+"', 'web-\\d+'],
    ['"// not a comment"', '// not a comment'],
    ['""', ''],
  ])('string %s', (text, value) => {
    const e = whereExpr(`x = ${text}`);
    expect(e.kind === 'binary' && e.right.kind === 'string' && e.right.value).toBe(value);
  });
});

describe('parseQuery: limits', () => {
  it(`refuses text longer than ${MAX_QUERY_BYTES} bytes, counting UTF-8 bytes`, () => {
    const chars = MAX_QUERY_BYTES / 2;
    const text = `metric "m" last 1h | where x = "${'é'.repeat(chars)}"`;
    expect(text.length).toBeLessThan(MAX_QUERY_BYTES);
    const err = parseError(text);
    expect([err.code, err.span]).toEqual(['QUERY_ERR_SYNTAX', undefined]);
    expect(err.message).toBe(`the query is ${Buffer.byteLength(text)} bytes long, more than the limit of 65536 bytes (64 KiB)`);
  });

  it.each([
    ['parentheses', (n: number) => `${'('.repeat(n)}x${')'.repeat(n)}`],
    ['lists', (n: number) => `x in ${'['.repeat(n)}${']'.repeat(n)}`],
    ['calls', (n: number) => `${'f('.repeat(n)}${')'.repeat(n)}`],
    ['unary minus', (n: number) => `${'-'.repeat(n)}x`],
    ['not', (n: number) => `${'not '.repeat(n)}x`],
  ])(`accepts ${MAX_NESTING} levels of %s and refuses more`, (_name, nest) => {
    expect(() => whereExpr(nest(MAX_NESTING))).not.toThrow();
    const err = parseError(`metric "m" last 1h | where ${nest(MAX_NESTING + 1)}`);
    expect(err.message).toBe('the expression is nested too deeply: more than 64 levels of parentheses, lists, calls or prefix operators');
  });

  it(`accepts an expression ${MAX_EXPR_DEPTH} deep and refuses a deeper one, such as a long or-chain`, () => {
    const chain = (n: number) => Array.from({ length: n }, (_, i) => `h = ${i}`).join(' or ');
    expect(() => whereExpr(chain(MAX_EXPR_DEPTH - 1))).not.toThrow();
    const text = `metric "m" last 1h | where ${chain(MAX_EXPR_DEPTH)}`;
    const err = parseError(text);
    expect([err.message, err.hint, err.span?.col]).toEqual(['the expression is too deep: more than 256 nested operations', 'for a long chain of "or", use in [...]', 28]);
  });

  it('parses a 10 KB query', () => {
    const hosts = Array.from({ length: 700 }, (_, i) => `"web-${String(i).padStart(4, '0')}"`).join(', ');
    const aggs = Array.from({ length: 100 }, (_, i) => `p${i} = pct(value, 0.${i + 100})`).join(',\n  ');
    const text = `let base = metric "http.response_time_ms", "http.requests" where host in [${hosts}] last 7d;
$base
| stats every 5m ${aggs} by host, dc
| sort p99 desc | head 100`;
    expect(text.length).toBeGreaterThan(10_000);
    const q = parseQuery(text);
    const where = q.bindings[0].pipeline.source.kind === 'metric' && q.bindings[0].pipeline.source.where;
    expect(where && where.kind === 'binary' && where.right.kind === 'list' && where.right.items.length).toBe(700);
    expect(stage(q.pipeline, 0, 'stats').aggs).toHaveLength(100);
  });

  it('lets nothing but QueryError escape from random and mutated text', () => {
    const rng = mulberry32(0x5eed_9a7e);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)];
    const corpus = [
      'let b = metric "a.b" where host ~ "c*" and ds = "rx" last 7d | rate | stats every 5m u = max(value * 8 / 100e9);\nmetric "x" from now-48h to @2026-01-01T00:00Z | join left $b on host | correlate u, p lag -5m to 30m',
      'explain metric "m" last 1h live | stats every 1m fill linear p = p99(value), n = count() by host | top 3 p asc by dc | view t -x 1',
      "assets where role in ['db', \"web\"] and not x !~ `a-b` | eval y = -(1 + 2) % 3 | sort y desc, z | head 5 | trend y for 1d until 10 by h",
    ];
    const pieces = ['"', "'", '`', '\\', '(', ')', '[', ']', '|', ';', ',', '=', '-', '@', '$', '//', '\n', ' ', '5m', '1.5', 'by', 'let', 'now', 'not', 'in', 'é', '😀', '#'];
    let failed = 0;
    for (let i = 0; i < 3000; i++) {
      let text = pick(corpus);
      for (let k = 1 + Math.floor(rng() * 4); k > 0; k--) {
        const at = Math.floor(rng() * (text.length + 1));
        const cut = rng() < 0.5 ? Math.floor(rng() * 8) : 0;
        text = text.slice(0, at) + (rng() < 0.7 ? pick(pieces) : '') + text.slice(at + cut);
      }
      try {
        parseQuery(text);
      } catch (err) {
        if (!(err instanceof QueryError) || err.code !== 'QUERY_ERR_SYNTAX' || !err.span) throw err;
        expect(err.span.start >= 0 && err.span.start <= err.span.end && err.span.end <= text.length, text).toBe(true);
        expect(err.render(text).split('\n')[0], text).toBe(`${err.span.line}:${err.span.col}: ${err.message}`);
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(1000);
  });
});

describe('parseQuery: errors', () => {
  it('carry the code, the span, the expected set and the hint', () => {
    const err = parseError('metric "x" last 1h | stats count() bz host');
    expect(err.code).toBe('QUERY_ERR_SYNTAX');
    expect(err.span).toEqual({ start: 35, end: 37, line: 1, col: 36 });
    expect(err.expected).toEqual(['an operator', '","', '"by"', '"|"', 'the end of the query']);
    expect(err.hint).toBe('did you mean "by"?');
  });

  it('point at the end of the previous token when something is missing at the end', () => {
    const err = parseError('metric "x" last\n\n');
    expect(err.span).toEqual({ start: 15, end: 15, line: 1, col: 16 });
  });

  // Each case: name, query, and the rendered error: `line:col: message`, the line with a caret, the hint.
  it.each<[string, string, string[]]>([
  [
    'duration without a unit',
    'metric "x" last 24',
    [
      '1:17: expected a duration such as 5m after "last", found "24"',
      '  metric "x" last 24',
      '                  ^^',
      'hint: add a unit, as in 24s, 24m, 24h or 24d',
    ],
  ],
  [
    'duration with a space before the unit',
    'metric "x" last 5 m',
    [
      '1:17: expected a duration such as 5m after "last", found "5"',
      '  metric "x" last 5 m',
      '                  ^',
      'hint: write "5m", without a space',
    ],
  ],
  [
    'unknown duration unit',
    'metric "x" last 5mins',
    [
      '1:17: unknown duration unit "mins" in "5mins"',
      '  metric "x" last 5mins',
      '                  ^^^^^',
      'hint: did you mean "5m"?',
    ],
  ],
  [
    'year unit',
    'metric "x" last 1y',
    [
      '1:17: unknown duration unit "y" in "1y"',
      '  metric "x" last 1y',
      '                  ^^',
      'hint: there are no month or year units: use days, such as 30d or 365d',
    ],
  ],
  [
    'fractional duration',
    'metric "x" last 1h | shift 1.5h',
    [
      '1:28: a duration takes a whole number, not "1.5h"',
      '  metric "x" last 1h | shift 1.5h',
      '                             ^^^^',
      'hint: did you mean "1h30m"?',
    ],
  ],
  [
    'duration units out of order',
    'metric "x" last 30m1h',
    [
      '1:17: the units of "30m1h" must go from the largest to the smallest, each once',
      '  metric "x" last 30m1h',
      '                  ^^^^^',
      'hint: did you mean "1h30m"?',
    ],
  ],
  [
    'unknown stage',
    'metric "x" last 1h | stat count()',
    [
      '1:22: unknown stage "stat"',
      '  metric "x" last 1h | stat count()',
      '                       ^^^^',
      'hint: did you mean "stats"?',
    ],
  ],
  [
    'unknown stage far from any',
    'metric "x" last 1h | frobnicate',
    [
      '1:22: unknown stage "frobnicate"',
      '  metric "x" last 1h | frobnicate',
      '                       ^^^^^^^^^^',
      'hint: the stages are where, eval, rate, enrich, stats, top, sort, head, join, shift, compare, correlate, trend, outliers, view',
    ],
  ],
  [
    'stage name that is not a word',
    'metric "x" last 1h | 5',
    [
      '1:22: expected a stage name such as where, stats or sort after "|", found "5"',
      '  metric "x" last 1h | 5',
      '                       ^',
    ],
  ],
  [
    'missing |',
    'metric "x" last 1h stats count()',
    [
      '1:20: missing "|" before "stats"',
      '  metric "x" last 1h stats count()',
      '                     ^^^^^',
      'hint: stages are separated by "|": write | stats',
    ],
  ],
  [
    'missing | on a new line',
    'metric "x" last 1h\n| where host = "a"\n  sort host',
    [
      '3:3: missing "|" before "sort"',
      '    sort host',
      '    ^^^^',
      'hint: stages are separated by "|": write | sort',
    ],
  ],
  [
    'trailing |',
    'metric "x" last 1h\n| stats count() by host\n|\n',
    [
      '3:1: expected a stage name after "|", found the end of the query',
      '  |',
      '  ^',
      'hint: remove the last "|", or add a stage after it, such as stats count()',
    ],
  ],
  [
    'unterminated string',
    'metric "x" last 1h | where host = "web\n| head 3',
    [
      '1:35: unterminated string: expected a closing " before the end of the line',
      '  metric "x" last 1h | where host = "web',
      '                                    ^^^^',
    ],
  ],
  [
    'unterminated string at the end',
    'metric "x" last 1h | where host = \'web',
    [
      '1:35: unterminated string: expected a closing \' before the end of the query',
      '  metric "x" last 1h | where host = \'web',
      '                                    ^^^^',
    ],
  ],
  [
    'unterminated backquoted name',
    'metric "x" last 1h | where `plugin-instance = 1',
    [
      '1:28: unterminated name: expected a closing ` before the end of the line',
      '  metric "x" last 1h | where `plugin-instance = 1',
      '                             ^^^^^^^^^^^^^^^^^^^^',
    ],
  ],
  [
    'stray character',
    'metric "x" last 1h | where host # 1',
    [
      '1:33: unexpected character "#"',
      '  metric "x" last 1h | where host # 1',
      '                                  ^',
      'hint: comments start with "//"',
    ],
  ],
  [
    'stray character inside a name',
    'metric "x" last 1h | where labels.ds = "rx"',
    [
      '1:34: unexpected character "."',
      '  metric "x" last 1h | where labels.ds = "rx"',
      '                                   ^',
      'hint: put a name with other characters in backquotes: `labels.ds`',
    ],
  ],
  [
    'operator from another language',
    'metric "x" last 1h | where a == 1',
    [
      '1:30: "==" is not an operator here',
      '  metric "x" last 1h | where a == 1',
      '                               ^^',
      'hint: write "="',
    ],
  ],
  [
    '&&',
    'metric "x" last 1h | where a = 1 && b = 2',
    [
      '1:34: "&&" is not an operator here',
      '  metric "x" last 1h | where a = 1 && b = 2',
      '                                   ^^',
      'hint: write "and"',
    ],
  ],
  [
    'upper-case AND',
    'metric "x" last 1h | where a = 1 AND b = 2',
    [
      '1:34: expected an operator, "|" or the end of the query, found "AND"',
      '  metric "x" last 1h | where a = 1 AND b = 2',
      '                                   ^^^',
      'hint: did you mean "and"?',
    ],
  ],
  [
    'let without ;',
    'let backbone = metric "a" last 7d\n  | rate | stats every 5m util = max(value)\nmetric "b" last 7d | join $backbone',
    [
      '2:44: expected ";" to end the let binding "backbone", found "metric"',
      '    | rate | stats every 5m util = max(value)',
      '                                             ^',
      'hint: add ";" after the pipeline of "backbone"',
    ],
  ],
  [
    'let without ; or a pipeline',
    'let a = metric "a" last 7d',
    [
      '1:27: expected ";" to end the let binding "a", found the end of the query',
      '  let a = metric "a" last 7d',
      '                            ^',
      'hint: add ";" after the pipeline of "a"',
    ],
  ],
  [
    'let with nothing after it',
    'let a = metric "a" last 7d;\n',
    [
      '1:28: expected the pipeline to run after the let bindings, found the end of the query',
      '  let a = metric "a" last 7d;',
      '                             ^',
      'hint: end the query with a pipeline, such as $a',
    ],
  ],
  [
    '$name not defined',
    'let today = metric "a" last 24h;\nmetric "b" last 1h | join $tday',
    [
      '2:27: "$tday" is not defined',
      '  metric "b" last 1h | join $tday',
      '                            ^^^^^',
      'hint: did you mean "$today"?',
    ],
  ],
  [
    '$name not defined, no lets',
    '$x | head 1',
    [
      '1:1: "$x" is not defined',
      '  $x | head 1',
      '  ^^',
      'hint: define it first: let x = metric "…" last 1h;',
    ],
  ],
  [
    '$name defined twice',
    'let a = metric "a" last 7d;\nlet a = metric "b" last 1h;\n$a',
    [
      '2:5: "a" is already defined on line 1',
      '  let a = metric "b" last 1h;',
      '      ^',
      'hint: give one of them another name',
    ],
  ],
  [
    '$name used before its let',
    'let a = metric "a" last 7d | join $b;\nlet b = metric "b" last 1h;\n$a',
    [
      '1:35: "$b" is used before its let binding on line 2',
      '  let a = metric "a" last 7d | join $b;',
      '                                    ^^',
      'hint: move the let binding of "b" before this use',
    ],
  ],
  [
    'let using itself',
    'let a = metric "a" last 7d | join $a;\n$a',
    [
      '1:35: the let binding "a" cannot use itself',
      '  let a = metric "a" last 7d | join $a;',
      '                                    ^^',
      'hint: a binding can use only the bindings defined before it',
    ],
  ],
  [
    'join without $',
    'metric "x" last 1h | join backbone',
    [
      '1:27: expected "left" or a let binding such as $backbone, found "backbone"',
      '  metric "x" last 1h | join backbone',
      '                            ^^^^^^^^',
      'hint: write $backbone',
    ],
  ],
  [
    'head 1.5',
    'metric "x" last 1h | head 1.5',
    [
      '1:27: expected a whole number after "head", found "1.5"',
      '  metric "x" last 1h | head 1.5',
      '                            ^^^',
    ],
  ],
  [
    'top without a count',
    'metric "x" last 1h | top busy',
    [
      '1:26: expected a whole number after "top", found "busy"',
      '  metric "x" last 1h | top busy',
      '                           ^^^^',
      'hint: give the count first, such as top 10 busy',
    ],
  ],
  [
    'number too large',
    'metric "x" last 1h | head 99999999999999999999',
    [
      '1:27: the number 99999999999999999999 is too large',
      '  metric "x" last 1h | head 99999999999999999999',
      '                            ^^^^^^^^^^^^^^^^^^^^',
    ],
  ],
  [
    'unknown fill mode',
    'metric "x" last 1h | stats every 1m fill nul count()',
    [
      '1:42: unknown fill mode "nul"',
      '  metric "x" last 1h | stats every 1m fill nul count()',
      '                                           ^^^',
      'hint: did you mean "null"?',
    ],
  ],
  [
    'fill without every',
    'metric "x" last 1h | stats fill zero count()',
    [
      '1:28: "fill" needs "every" before it',
      '  metric "x" last 1h | stats fill zero count()',
      '                             ^^^^',
      'hint: fill applies to time buckets: stats every 1m fill zero …',
    ],
  ],
  [
    'unknown reset mode',
    'metric "x" last 1h | rate reset restrat',
    [
      '1:33: unknown reset mode "restrat"',
      '  metric "x" last 1h | rate reset restrat',
      '                                  ^^^^^^^',
      'hint: did you mean "restart"?',
    ],
  ],
  [
    'stats without an aggregate',
    'metric "x" last 1h | stats by host',
    [
      '1:28: expected an aggregate before "by"',
      '  metric "x" last 1h | stats by host',
      '                             ^^',
      'hint: stats needs an aggregate, such as stats count() by host',
    ],
  ],
  [
    'stats of a bare column',
    'metric "x" last 1h | stats value by host',
    [
      '1:28: expected an aggregate such as avg(value), found "value"',
      '  metric "x" last 1h | stats value by host',
      '                             ^^^^^',
      'hint: wrap it in an aggregate, such as avg(value)',
    ],
  ],
  [
    'typo in by',
    'metric "x" last 1h | stats count() bz host',
    [
      '1:36: expected an operator, ",", "by", "|" or the end of the query, found "bz"',
      '  metric "x" last 1h | stats count() bz host',
      '                                     ^^',
      'hint: did you mean "by"?',
    ],
  ],
  [
    'option given twice',
    'metric "x" last 1h | rate per 1s per 1m',
    [
      '1:34: "per" is given twice',
      '  metric "x" last 1h | rate per 1s per 1m',
      '                                   ^^^',
      'hint: remove one of them',
    ],
  ],
  [
    'asc and desc',
    'metric "x" last 1h | top 3 x desc asc',
    [
      '1:35: cannot give both "desc" and "asc"',
      '  metric "x" last 1h | top 3 x desc asc',
      '                                    ^^^',
      'hint: remove one of them',
    ],
  ],
  [
    'compare without by',
    'metric "x" last 1h | compare value per host',
    [
      '1:36: expected an operator or "by", found "per"',
      '  metric "x" last 1h | compare value per host',
      '                                     ^^^',
      'hint: compare needs groups to compare, such as compare value by hw_model',
    ],
  ],
  [
    'correlate without a comma',
    'metric "x" last 1h | correlate a b',
    [
      '1:34: expected an operator or ",", found "b"',
      '  metric "x" last 1h | correlate a b',
      '                                   ^',
      'hint: correlate takes two expressions: correlate a, b',
    ],
  ],
  [
    'lag without to',
    'metric "x" last 1h | correlate a, b lag 0m 30m',
    [
      '1:44: expected "to" after "0m", found "30m"',
      '  metric "x" last 1h | correlate a, b lag 0m 30m',
      '                                             ^^^',
      'hint: write a range of lags, such as lag 0m to 30m',
    ],
  ],
  [
    'view option without a value',
    'metric "x" last 1h | view timechart -title',
    [
      '1:43: expected a value such as "text", 10 or true after "title", found the end of the query',
      '  metric "x" last 1h | view timechart -title',
      '                                            ^',
      'hint: every option takes a value, such as -title true',
    ],
  ],
  [
    'view option with a bare word',
    'metric "x" last 1h | view timechart -mode stacked',
    [
      '1:43: expected a value such as "text", 10 or true after "mode", found "stacked"',
      '  metric "x" last 1h | view timechart -mode stacked',
      '                                            ^^^^^^^',
      'hint: write text in quotes: -mode "stacked"',
    ],
  ],
  [
    'eval without =',
    'metric "x" last 1h | eval ratio',
    [
      '1:32: expected "=" after "ratio", found the end of the query',
      '  metric "x" last 1h | eval ratio',
      '                                 ^',
      'hint: eval sets columns: eval ratio = expression',
    ],
  ],
  [
    'invalid month',
    'metric "x" from @2026-13-01 to now',
    [
      '1:17: invalid time "@2026-13-01": there is no month 13',
      '  metric "x" from @2026-13-01 to now',
      '                  ^^^^^^^^^^^',
    ],
  ],
  [
    'invalid day',
    'metric "x" from @2026-02-30',
    [
      '1:17: invalid time "@2026-02-30": 2026-02 has no day 30',
      '  metric "x" from @2026-02-30',
      '                  ^^^^^^^^^^^',
    ],
  ],
  [
    'time without a zone',
    'metric "x" from @2026-01-01T08:00',
    [
      '1:17: the time "@2026-01-01T08:00" has no time zone',
      '  metric "x" from @2026-01-01T08:00',
      '                  ^^^^^^^^^^^^^^^^^',
      'hint: add Z for UTC: @2026-01-01T08:00Z',
    ],
  ],
  [
    'malformed date',
    'metric "x" from @2026-1-1',
    [
      '1:17: invalid time "@2026-1-1": expected a date or a date and time, such as @2026-01-01 or @2026-01-01T08:00:00Z',
      '  metric "x" from @2026-1-1',
      '                  ^^^^^^^^^',
    ],
  ],
  [
    'duration where a time belongs',
    'metric "x" from 24h',
    [
      '1:17: expected a time such as now-24h, today or @2026-01-01 after "from", found "24h"',
      '  metric "x" from 24h',
      '                  ^^^',
      'hint: did you mean "now-24h"?',
    ],
  ],
  [
    'missing range',
    'metric "x" | stats count()',
    [
      '1:12: expected ",", "where" or a time range such as last 1h, found "|"',
      '  metric "x" | stats count()',
      '             ^',
      'hint: every metric source needs a time range, such as metric "cpu.load" last 1h',
    ],
  ],
  [
    'changes without a range',
    'changes | stats count()',
    [
      '1:9: expected "where" or a time range such as last 1h, found "|"',
      '  changes | stats count()',
      '          ^',
      'hint: the changes source needs a time range, such as changes last 7d',
    ],
  ],
  [
    'two ranges',
    'metric "x" last 1h last 2h',
    [
      '1:20: the metric source already has a time range',
      '  metric "x" last 1h last 2h',
      '                     ^^^^',
      'hint: remove one of the two ranges',
    ],
  ],
  [
    'unquoted metric name',
    'metric cpu.load last 1h',
    [
      '1:8: expected a quoted metric name such as "cpu.load" after "metric", found "cpu"',
      '  metric cpu.load last 1h',
      '         ^^^',
      'hint: metric names are strings: write metric "cpu.load"',
    ],
  ],
  [
    'empty metric name',
    'metric "" last 1h',
    [
      '1:8: the metric name is empty',
      '  metric "" last 1h',
      '         ^^',
    ],
  ],
  [
    'unknown source',
    'metrics "x" last 1h',
    [
      '1:1: unknown source "metrics"',
      '  metrics "x" last 1h',
      '  ^^^^^^^',
      'hint: did you mean "metric"?',
    ],
  ],
  [
    'no source',
    'stats count()',
    [
      '1:1: expected a source before the stage "stats"',
      '  stats count()',
      '  ^^^^^',
      'hint: start with a source, such as metric "cpu.load" last 1h | stats …',
    ],
  ],
  [
    'empty query',
    '// nothing but a comment\n',
    [
      '1:1: the query is empty',
      '  // nothing but a comment',
      '  ^',
      'hint: start with a source, such as metric "cpu.load" last 1h',
    ],
  ],
  [
    'unclosed parenthesis',
    'metric "x" last 1h\n| where (a = 1 or b = 2\n| head 5',
    [
      '3:1: expected ")" to close the "(" at 2:9, found "|"',
      '  | head 5',
      '  ^',
    ],
  ],
  [
    'unclosed list',
    'metric "x" last 1h | where a in [1, 2',
    [
      '1:38: expected "]" to close the "[" at 1:33, found the end of the query',
      '  metric "x" last 1h | where a in [1, 2',
      '                                       ^',
    ],
  ],
  [
    'trailing comma',
    'metric "x" last 1h | where f(a,)',
    [
      '1:32: expected an expression after ",", found ")"',
      '  metric "x" last 1h | where f(a,)',
      '                                 ^',
      'hint: remove the "," before ")"',
    ],
  ],
  [
    'chained comparison',
    'metric "x" last 1h | where 1 < x < 5',
    [
      '1:34: comparisons cannot be chained',
      '  metric "x" last 1h | where 1 < x < 5',
      '                                   ^',
      'hint: combine them with "and", as in a < b and b < c',
    ],
  ],
  [
    'in without a list',
    'metric "x" last 1h | where a in "x"',
    [
      '1:33: expected a list such as ["a", "b"] after "in", found the string "x"',
      '  metric "x" last 1h | where a in "x"',
      '                                  ^^^',
    ],
  ],
  [
    'operator word as a name',
    'metric "x" last 1h | where and = 1',
    [
      '1:28: expected an expression after "where", found "and"',
      '  metric "x" last 1h | where and = 1',
      '                             ^^^',
      'hint: to use "and" as a name, write it in backquotes: `and`',
    ],
  ],
  [
    '$name in an expression',
    'metric "x" last 1h | where $x > 1',
    [
      '1:28: expected an expression after "where", found "$x"',
      '  metric "x" last 1h | where $x > 1',
      '                             ^^',
      'hint: $x is a pipeline, not a value: combine it with | join $x',
    ],
  ],
  [
    'quoted name in by',
    'metric "x" last 1h | stats count() by "host"',
    [
      '1:39: expected a name after "by", found the string "host"',
      '  metric "x" last 1h | stats count() by "host"',
      '                                        ^^^^^^',
      'hint: names are written without quotes, or in backquotes: `host`',
    ],
  ],
  [
    'invalid unicode escape',
    'metric "x" last 1h | where x ~ "a\\u{zz}"',
    [
      '1:34: invalid escape "\\u": expected four hex digits or {hex digits}, as in \\u00e9 or \\u{1F600}',
      '  metric "x" last 1h | where x ~ "a\\u{zz}"',
      '                                   ^^',
    ],
  ],
  [
    '; after the last pipeline',
    'metric "x" last 1h;',
    [
      '1:19: unexpected ";" after the last pipeline',
      '  metric "x" last 1h;',
      '                    ^',
      'hint: only let bindings end with ";"',
    ],
  ],
  [
    'explain before let',
    'explain let x = metric "a" last 1h; $x',
    [
      '1:9: let bindings must come before "explain"',
      '  explain let x = metric "a" last 1h; $x',
      '          ^^^',
      'hint: write the let bindings first, then explain and the pipeline',
    ],
  ],
  [
    'leading decimal point',
    'metric "x" last 1h | where x = .5',
    [
      '1:32: unexpected character "."',
      '  metric "x" last 1h | where x = .5',
      '                                 ^',
      'hint: write a digit before the point: 0.5',
    ],
  ],
  ])('%s', (_name, text, rendered) => {
    const err = parseError(text);
    expect(err.code).toBe('QUERY_ERR_SYNTAX');
    expect(err.render(text)).toBe(rendered.join('\n'));
  });
});
