// Expressions of the language as ClickHouse SQL. Every literal becomes a bound parameter; names become
// quoted identifiers of columns the relation has; functions come from a closed list.
import type { Expr, Instant, Span } from '../lang/ast.ts';
import { didYouMean, QueryError } from '../lang/errors.ts';

export type ColType = 'time' | 'string' | 'number' | 'bool' | 'map';

/** Quotes an identifier for ClickHouse, whatever characters it holds. */
export function ident(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** Bound parameters of one statement. */
export class Params {
  readonly values: Record<string, unknown> = {};
  private n = 0;

  /** Adds a value and returns its placeholder (`{p3:String}`). */
  add(value: unknown, type: string): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }

  /** A time as a `DateTime64(3, 'UTC')` expression. */
  time(ms: number): string {
    return `fromUnixTimestamp64Milli(${this.add(Math.round(ms), 'Int64')}, 'UTC')`;
  }

  /** A whole-second time as a `DateTime('UTC')` expression (for WITH FILL bounds). */
  seconds(ms: number): string {
    return `toDateTime(${this.add(Math.floor(ms / 1000), 'UInt32')}, 'UTC')`;
  }
}

/** What names resolve to in the current relation. */
export interface Scope {
  /** Columns of the relation and their types. */
  readonly cols: ReadonlyMap<string, ColType>;
  /** Called for a name that is not a column; returns the column it becomes (after adding it), or undefined. */
  resolve(name: string, span: Span): ColType | undefined;
  /** Names offered in "did you mean". */
  candidates(): Iterable<string>;
  readonly now: number;
}

export interface Compiled {
  readonly sql: string;
  readonly type: ColType;
}

interface FnSpec {
  readonly args: readonly (ColType | 'any')[] | 'numbers';
  readonly min?: number;
  readonly ret: ColType | 'arg0';
  readonly sql: (args: string[]) => string;
  readonly doc: string;
}

const num = (name: string, doc: string): FnSpec => ({ args: ['number'], ret: 'number', sql: (a) => `${name}(${a[0]})`, doc });

/** Functions `eval`, `where` and aggregate arguments may call. */
export const FUNCTIONS: Readonly<Record<string, FnSpec>> = {
  abs: num('abs', 'absolute value'),
  sqrt: num('sqrt', 'square root'),
  exp: num('exp', 'e to the power x'),
  ln: num('log', 'natural logarithm'),
  log10: num('log10', 'base-10 logarithm'),
  log2: num('log2', 'base-2 logarithm'),
  floor: num('floor', 'largest integer not above x'),
  ceil: num('ceil', 'smallest integer not below x'),
  round: { args: ['number', 'number'], min: 1, ret: 'number', sql: (a) => (a.length > 1 ? `round(${a[0]}, toInt32(${a[1]}))` : `round(${a[0]})`), doc: 'round(x[, digits])' },
  pow: { args: ['number', 'number'], ret: 'number', sql: (a) => `pow(${a[0]}, ${a[1]})`, doc: 'pow(x, y)' },
  least: { args: 'numbers', min: 2, ret: 'number', sql: (a) => `least(${a.join(', ')})`, doc: 'smallest of the arguments' },
  greatest: { args: 'numbers', min: 2, ret: 'number', sql: (a) => `greatest(${a.join(', ')})`, doc: 'largest of the arguments' },
  if: { args: ['bool', 'any', 'any'], ret: 'arg0', sql: (a) => `if(${a[0]}, ${a[1]}, ${a[2]})`, doc: 'if(condition, then, else)' },
  coalesce: { args: ['any', 'any'], ret: 'arg0', sql: (a) => `coalesce(${a.join(', ')})`, doc: 'first argument that is not null' },
  lower: { args: ['string'], ret: 'string', sql: (a) => `lower(${a[0]})`, doc: 'lower case' },
  upper: { args: ['string'], ret: 'string', sql: (a) => `upper(${a[0]})`, doc: 'upper case' },
  length: { args: ['string'], ret: 'number', sql: (a) => `lengthUTF8(${a[0]})`, doc: 'length in characters' },
  concat: { args: ['any', 'any'], ret: 'string', sql: (a) => `concat(${a.map((x) => `toString(${x})`).join(', ')})`, doc: 'concat(a, b)' },
  substr: { args: ['string', 'number', 'number'], min: 2, ret: 'string', sql: (a) => `substringUTF8(${a[0]}, toInt64(${a[1]}), ${a[2] !== undefined ? `toInt64(${a[2]})` : '1000000'})`, doc: 'substr(s, start[, length]), 1-based' },
  startswith: { args: ['string', 'string'], ret: 'bool', sql: (a) => `startsWith(${a[0]}, ${a[1]})`, doc: 'startswith(s, prefix)' },
  endswith: { args: ['string', 'string'], ret: 'bool', sql: (a) => `endsWith(${a[0]}, ${a[1]})`, doc: 'endswith(s, suffix)' },
  tostring: { args: ['any'], ret: 'string', sql: (a) => `toString(${a[0]})`, doc: 'text of a value' },
  tonumber: { args: ['any'], ret: 'number', sql: (a) => `toFloat64OrNull(toString(${a[0]}))`, doc: 'number from text (null when it is not one)' },
  hour: { args: ['time'], ret: 'number', sql: (a) => `toHour(${a[0]})`, doc: 'hour of day, UTC' },
  weekday: { args: ['time'], ret: 'number', sql: (a) => `toDayOfWeek(${a[0]})`, doc: 'day of week, 1 = Monday, UTC' },
  day: { args: ['time'], ret: 'number', sql: (a) => `toDayOfMonth(${a[0]})`, doc: 'day of month, UTC' },
  epoch: { args: ['time'], ret: 'number', sql: (a) => `toUnixTimestamp64Milli(toDateTime64(${a[0]}, 3, 'UTC')) / 1000`, doc: 'seconds since 1970, UTC' },
};

export function instantMs(i: Instant, now: number): number {
  switch (i.kind) {
    case 'now':
      return now + i.offsetMs;
    case 'absolute':
      return i.ms;
    case 'today':
      return Math.floor(now / 86_400_000) * 86_400_000;
    case 'yesterday':
      return Math.floor(now / 86_400_000) * 86_400_000 - 86_400_000;
  }
}

function typeName(t: ColType): string {
  return t === 'time' ? 'a time' : t === 'string' ? 'text' : t === 'number' ? 'a number' : t === 'bool' ? 'a condition' : 'a map';
}

function semantic(message: string, span: Span, hint?: string): QueryError {
  return new QueryError('QUERY_ERR_SEMANTIC', message, { span, hint });
}

/** Converts a glob (`web-*`, `db?`) into a LIKE pattern: `*` any run, `?` one character, the rest literal. */
export function globToLike(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** Compiles an expression in a scope. */
export function compileExpr(e: Expr, scope: Scope, params: Params): Compiled {
  switch (e.kind) {
    case 'number':
      return { sql: params.add(e.value, 'Float64'), type: 'number' };
    case 'string':
      return { sql: params.add(e.value, 'String'), type: 'string' };
    case 'bool':
      return { sql: e.value ? 'true' : 'false', type: 'bool' };
    case 'null':
      return { sql: 'NULL', type: 'number' };
    case 'duration':
      // A duration in arithmetic counts seconds (`value * 5m` is value × 300).
      return { sql: params.add(e.ms / 1000, 'Float64'), type: 'number' };
    case 'instant':
      return { sql: params.time(instantMs(e.instant, scope.now)), type: 'time' };
    case 'name': {
      let t = scope.cols.get(e.name);
      if (t === undefined) t = scope.resolve(e.name, e.span);
      if (t === undefined) {
        const near = didYouMean(e.name, scope.candidates());
        throw semantic(`unknown name "${e.name}": not a column here, a label of the metric, or an asset attribute`, e.span, near ? `did you mean "${near}"?` : `columns here: ${[...scope.cols.keys()].filter((c) => !c.startsWith('__')).join(', ')}`);
      }
      if (t === 'map') throw semantic(`"${e.name}" is a map; name one of its keys instead`, e.span);
      return { sql: ident(e.name), type: t };
    }
    case 'list':
      throw semantic('a list can only follow "in"', e.span);
    case 'not': {
      const x = compileExpr(e.expr, scope, params);
      expectType(x, 'bool', e.expr.span, '"not"');
      return { sql: `NOT (${x.sql})`, type: 'bool' };
    }
    case 'neg': {
      const x = compileExpr(e.expr, scope, params);
      expectType(x, 'number', e.expr.span, 'unary minus');
      return { sql: `-(${x.sql})`, type: 'number' };
    }
    case 'call':
      return compileCall(e, scope, params);
    case 'binary':
      return compileBinary(e, scope, params);
  }
}

function expectType(x: Compiled, want: ColType, span: Span, what: string): void {
  if (x.type !== want) throw semantic(`${what} needs ${typeName(want)}, found ${typeName(x.type)}`, span);
}

function compileCall(e: Extract<Expr, { kind: 'call' }>, scope: Scope, params: Params): Compiled {
  const spec = FUNCTIONS[e.name.toLowerCase()];
  if (!spec) {
    const near = didYouMean(e.name, Object.keys(FUNCTIONS));
    throw semantic(`unknown function "${e.name}"`, e.nameSpan, near ? `did you mean "${near}"?` : `functions: ${Object.keys(FUNCTIONS).join(', ')}`);
  }
  const max = spec.args === 'numbers' ? Infinity : spec.args.length;
  const min = spec.min ?? (spec.args === 'numbers' ? 1 : spec.args.length);
  if (e.args.length < min || e.args.length > max) {
    throw semantic(`${e.name} takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} argument(s), found ${e.args.length}`, e.span, spec.doc);
  }
  const args = e.args.map((a) => compileExpr(a, scope, params));
  args.forEach((a, i) => {
    const want = spec.args === 'numbers' ? 'number' : spec.args[i];
    if (want !== 'any' && a.type !== want) throw semantic(`argument ${i + 1} of ${e.name} must be ${typeName(want)}, found ${typeName(a.type)}`, e.args[i].span, spec.doc);
  });
  const ret = spec.ret === 'arg0' ? (e.name.toLowerCase() === 'if' ? args[1].type : args[0].type) : spec.ret;
  return { sql: spec.sql(args.map((a) => a.sql)), type: ret };
}

function compileBinary(e: Extract<Expr, { kind: 'binary' }>, scope: Scope, params: Params): Compiled {
  const op = e.op;
  if (op === 'and' || op === 'or') {
    const l = compileExpr(e.left, scope, params);
    const r = compileExpr(e.right, scope, params);
    expectType(l, 'bool', e.left.span, `"${op}"`);
    expectType(r, 'bool', e.right.span, `"${op}"`);
    return { sql: `(${l.sql} ${op.toUpperCase()} ${r.sql})`, type: 'bool' };
  }
  if (op === 'in') {
    const l = compileExpr(e.left, scope, params);
    if (e.right.kind !== 'list') throw semantic('"in" needs a list such as ["a", "b"]', e.right.span);
    if (e.right.items.length === 0) return { sql: 'false', type: 'bool' };
    const items = e.right.items.map((it) => {
      if (it.kind === 'string') return { v: it.value as unknown, t: 'string' as ColType, span: it.span };
      if (it.kind === 'number') return { v: it.value as unknown, t: 'number' as ColType, span: it.span };
      throw semantic('items of an "in" list must be literal text or numbers', it.span);
    });
    for (const it of items) if (it.t !== l.type) throw semantic(`"in" compares ${typeName(l.type)} with ${typeName(it.t)}`, it.span);
    const arr = params.add(items.map((i) => i.v), l.type === 'string' ? 'Array(String)' : 'Array(Float64)');
    return { sql: `has(${arr}, ${l.sql})`, type: 'bool' };
  }
  if (op === '~' || op === '!~') {
    const l = compileExpr(e.left, scope, params);
    expectType(l, 'string', e.left.span, `"${op}"`);
    if (e.right.kind !== 'string') throw semantic(`"${op}" needs a literal pattern: a glob such as "web-*", or a regular expression written "/^web-[0-9]+$/"`, e.right.span);
    const pat = e.right.value;
    let sql: string;
    if (pat.length >= 2 && pat.startsWith('/') && pat.endsWith('/')) {
      const re = pat.slice(1, -1);
      try {
        new RegExp(re);
      } catch (err) {
        throw semantic(`not a valid regular expression: ${(err as Error).message}`, e.right.span);
      }
      sql = `match(${l.sql}, ${params.add(re, 'String')})`;
    } else {
      sql = `(${l.sql} LIKE ${params.add(globToLike(pat), 'String')})`;
    }
    return { sql: op === '~' ? sql : `NOT ${sql}`, type: 'bool' };
  }
  const l = compileExpr(e.left, scope, params);
  const r = compileExpr(e.right, scope, params);
  if (op === '=' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') {
    if (l.type !== r.type && !(e.left.kind === 'null' || e.right.kind === 'null')) {
      throw semantic(`cannot compare ${typeName(l.type)} with ${typeName(r.type)}`, e.span);
    }
    if (e.right.kind === 'null') return { sql: op === '=' ? `(${l.sql} IS NULL)` : `(${l.sql} IS NOT NULL)`, type: 'bool' };
    return { sql: `(${l.sql} ${op} ${r.sql})`, type: 'bool' };
  }
  // Arithmetic: numbers, or a time plus or minus a duration.
  if (l.type === 'time' && (op === '+' || op === '-') && e.right.kind === 'duration') {
    return { sql: `(${l.sql} ${op} toIntervalMillisecond(${params.add(Math.round(e.right.ms), 'Int64')}))`, type: 'time' };
  }
  if (l.type === 'time' && r.type === 'time' && op === '-') {
    return { sql: `(toUnixTimestamp64Milli(toDateTime64(${l.sql}, 3, 'UTC')) - toUnixTimestamp64Milli(toDateTime64(${r.sql}, 3, 'UTC'))) / 1000`, type: 'number' };
  }
  expectType(l, 'number', e.left.span, `"${op}"`);
  expectType(r, 'number', e.right.span, `"${op}"`);
  if (op === '/') return { sql: `(${l.sql} / ${r.sql})`, type: 'number' };
  if (op === '%') return { sql: `(${l.sql} % ${r.sql})`, type: 'number' };
  return { sql: `(${l.sql} ${op} ${r.sql})`, type: 'number' };
}

/** Names an expression reads, for pushdown and dependency checks. */
export function namesIn(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'name':
      out.add(e.name);
      break;
    case 'call':
      e.args.forEach((a) => namesIn(a, out));
      break;
    case 'list':
      e.items.forEach((a) => namesIn(a, out));
      break;
    case 'not':
    case 'neg':
      namesIn(e.expr, out);
      break;
    case 'binary':
      namesIn(e.left, out);
      namesIn(e.right, out);
      break;
    default:
      break;
  }
  return out;
}

/** Splits `a and b and c` into its conjuncts. */
export function conjuncts(e: Expr): Expr[] {
  return e.kind === 'binary' && e.op === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}
