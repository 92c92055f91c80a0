// Recursive-descent parser of the pipeline query language (reference/query-language.md §6.3):
// tokens from lexer.ts in, the AST of ast.ts out, or a QueryError that says what was found, what
// would have fitted, and where.
import type { Agg, Assign, Binding, Duration, Expr, Fill, Instant, NameRef, Pipeline, Query, Range, SortKey, Source, Span, Stage, StageKind } from './ast.ts';
import { QueryError, didYouMean } from './errors.ts';
import { DURATION_UNITS, lex, type Token } from './lexer.ts';

/** Longest query text accepted, in UTF-8 bytes. */
export const MAX_QUERY_BYTES = 64 * 1024;
/** Deepest nesting of parentheses, lists, calls and prefix operators (`-`, `not`): bounds the parser's recursion. */
export const MAX_NESTING = 64;
/** Deepest expression tree, chains of operators included: bounds the recursion of every pass over the AST. */
export const MAX_EXPR_DEPTH = 256;

/**
 * Parses query text into its syntax tree. Keywords are contextual: `last(value)`, `by level` and
 * `let today = …` are ordinary names where the grammar expects a name.
 *
 * @throws QueryError with code `QUERY_ERR_SYNTAX` and the span of the offending text.
 */
export function parseQuery(text: string): Query {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_QUERY_BYTES) {
    throw new QueryError('QUERY_ERR_SYNTAX', `the query is ${bytes} bytes long, more than the limit of ${MAX_QUERY_BYTES} bytes (64 KiB)`);
  }
  return new Parser(text, lex(text)).query();
}

type IdentToken = Extract<Token, { kind: 'ident' }>;
type CallExpr = Extract<Expr, { kind: 'call' }>;
/** Something the parser would have accepted at the current token: plain words, and the keywords for "did you mean". */
interface Expect {
  readonly label: string;
  readonly words: readonly string[];
}
/** Trailing words of a stage, in any order, each at most once; the words of one option exclude each other (`asc`/`desc`). */
interface Option {
  readonly words: readonly string[];
  readonly parse: (word: Token) => void;
}

const STAGE_SET: Record<StageKind, true> = {
  where: true, eval: true, rate: true, enrich: true, stats: true, top: true, sort: true, head: true,
  join: true, shift: true, compare: true, correlate: true, trend: true, outliers: true, view: true,
};
const STAGES = Object.keys(STAGE_SET) as StageKind[];
const isStage = (w: string): w is StageKind => Object.hasOwn(STAGE_SET, w);
const FILLS: readonly Fill[] = ['none', 'null', 'zero', 'prev', 'linear'];
const RESETS = ['restart', 'drop'] as const;
const CMP_OPS = new Set(['=', '!=', '<', '<=', '>', '>=', '~', '!~']);
const SUM_OPS = new Set(['+', '-']);
const PROD_OPS = new Set(['*', '/', '%']);
/** Words that mean something inside an expression; as names they need backquotes there. */
const OPERATOR_WORDS = new Set(['and', 'or', 'not', 'in']);
const LITERAL_WORDS = new Set(['true', 'false', 'null', 'now', 'today', 'yesterday']);
const OPERATOR = 'an operator';
const EXPRESSION = 'an expression';
const AGGREGATE = 'an aggregate such as count()';
const RANGE = 'a time range such as last 1h';
const SOURCES = ['metric', 'assets', 'changes'];

class Parser {
  private pos = 0;
  private expected: Expect[] = [];
  private nesting = 0;
  private readonly depths = new WeakMap<Expr, number>();
  private readonly bindings = new Map<string, Binding>();
  private defining: string | undefined;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  query(): Query {
    if (this.cur().kind === 'eof') {
      throw this.error(spanOf(this.cur()), 'the query is empty', ['a pipeline'], 'start with a source, such as metric "cpu.load" last 1h');
    }
    const bindings: Binding[] = [];
    while (isWord(this.cur(), 'let')) bindings.push(this.binding());
    const explain = isWord(this.cur(), 'explain');
    if (explain) {
      this.advance();
      const t = this.cur();
      if (isWord(t, 'let')) throw this.error(spanOf(t), 'let bindings must come before "explain"', [], 'write the let bindings first, then explain and the pipeline');
    }
    const last = bindings.at(-1);
    if (last && this.cur().kind === 'eof') {
      const message = 'expected the pipeline to run after the let bindings, found the end of the query';
      throw this.error(spanOf(this.cur()), message, ['a pipeline'], `end the query with a pipeline, such as $${last.name}`);
    }
    const pipeline = this.pipeline();
    if (this.cur().kind !== 'eof') this.endOfPipeline({ label: 'the end of the query', words: [] });
    return { bindings, explain, pipeline, text: this.text };
  }

  // ---- cursor and errors

  private cur(): Token {
    const t = this.tokens[this.pos];
    if (t.kind === 'error') throw t.error;
    return t;
  }

  private peek(): Token {
    return this.tokens[Math.min(this.pos + 1, this.tokens.length - 1)];
  }

  private prev(): Token {
    return this.tokens[Math.max(0, this.pos - 1)];
  }

  private advance(): Token {
    const t = this.cur();
    if (t.kind !== 'eof') this.pos++;
    this.expected = [];
    return t;
  }

  /** Records what would have been accepted at the current token, for the error if nothing is. */
  private note(label: string, ...words: string[]): void {
    const i = this.expected.findIndex((e) => e.label === label);
    if (i < 0) this.expected.push({ label, words });
    else this.expected[i] = { label, words: [...this.expected[i].words, ...words] };
  }

  private atWord(w: string): boolean {
    if (isWord(this.cur(), w)) return true;
    this.note(`"${w}"`, w);
    return false;
  }

  /** A keyword that could also start a name here (`stats every = avg(x)`): a keyword unless `=` or `(` follows. */
  private atKeyword(w: string): boolean {
    const next = this.peek();
    if (isWord(this.cur(), w) && !isPunct(next, '=') && !isPunct(next, '(')) return true;
    this.note(`"${w}"`, w);
    return false;
  }

  private atPunct(p: string): boolean {
    if (isPunct(this.cur(), p)) return true;
    this.note(`"${p}"`);
    return false;
  }

  private eatWord(w: string): boolean {
    if (!this.atWord(w)) return false;
    this.advance();
    return true;
  }

  private eatPunct(p: string): boolean {
    if (!this.atPunct(p)) return false;
    this.advance();
    return true;
  }

  private spanFrom(start: Token): Span {
    return { start: start.start, end: Math.max(start.end, this.prev().end), line: start.line, col: start.col };
  }

  private error(span: Span, message: string, expected: readonly string[] = [], hint?: string): QueryError {
    return new QueryError('QUERY_ERR_SYNTAX', message, { span, expected, hint });
  }

  private labels(required?: Expect): string[] {
    return [...new Set([...this.expected, ...(required ? [required] : [])].map((e) => e.label))];
  }

  /** "did you mean" among the keywords that would have fitted, when the current token is a word close to one. */
  private guess(required?: Expect): string | undefined {
    const t = this.cur();
    if (t.kind !== 'ident') return undefined;
    const g = didYouMean(t.name, [...this.expected, ...(required ? [required] : [])].flatMap((e) => e.words));
    return g !== undefined && g !== t.name ? `did you mean "${g}"?` : undefined;
  }

  /**
   * Fails at the current token with "expected <what would fit>, found <token>". When nothing optional was
   * tried since the last token, the message also names that token ("after "last"").
   */
  private fail(required?: Expect, hint?: string): never {
    const t = this.cur();
    const labels = this.labels(required);
    const after = this.expected.length === 0 && this.pos > 0 ? ` after ${describe(this.prev())}` : '';
    throw this.error(spanOf(t), `expected ${joinOr(labels)}${after}, found ${describe(t)}`, labels, this.guess(required) ?? hint);
  }

  /** Fails at a token that cannot continue a pipeline, naming a missing "|" when a stage name follows. */
  private endOfPipeline(required: Expect): never {
    const t = this.cur();
    if (t.kind === 'ident' && !t.quoted && isStage(t.name)) {
      throw this.error(spanOf(t), `missing "|" before "${t.name}"`, this.labels(required), `stages are separated by "|": write | ${t.name}`);
    }
    if (isPunct(t, ';') && required.label === 'the end of the query') {
      throw this.error(spanOf(t), 'unexpected ";" after the last pipeline', this.labels(required), 'only let bindings end with ";"');
    }
    this.fail(required);
  }

  // ---- bindings, pipelines, sources

  private binding(): Binding {
    const start = this.advance();
    const name = this.cur();
    if (name.kind !== 'ident' || name.quoted) {
      this.fail({ label: 'a name such as backbone', words: [] }, name.kind === 'ref' ? `write let ${name.name} = …, without "$"` : undefined);
    }
    const earlier = this.bindings.get(name.name);
    if (earlier) {
      throw this.error(spanOf(name), `"${name.name}" is already defined on line ${earlier.nameSpan.line}`, [], 'give one of them another name');
    }
    this.advance();
    this.expectPunct('=');
    this.defining = name.name;
    const pipeline = this.pipeline();
    this.defining = undefined;
    if (!this.atPunct(';')) this.missingSemicolon(name.name);
    this.advance();
    const binding: Binding = { name: name.name, nameSpan: spanOf(name), pipeline, span: this.spanFrom(start) };
    this.bindings.set(name.name, binding);
    return binding;
  }

  private missingSemicolon(name: string): never {
    const t = this.cur();
    const nextPipeline = t.kind === 'eof' || t.kind === 'ref' || ['metric', 'assets', 'changes', 'explain', 'let'].some((w) => isWord(t, w));
    const required = { label: '";"', words: [] };
    if (!nextPipeline) this.endOfPipeline(required);
    // The ";" belongs right after the binding's last token, so the caret goes there, not to the next line.
    const message = `expected ";" to end the let binding "${name}", found ${describe(t)}`;
    throw this.error(afterToken(this.prev()), message, this.labels(required), `add ";" after the pipeline of "${name}"`);
  }

  private pipeline(): Pipeline {
    const start = this.cur();
    const source = this.source();
    const stages: Stage[] = [];
    while (this.atPunct('|')) stages.push(this.stage(this.advance()));
    return { source, stages, span: this.spanFrom(start) };
  }

  private source(): Source {
    const t = this.cur();
    if (isWord(t, 'metric')) return this.metricSource(this.advance());
    if (isWord(t, 'assets')) {
      this.advance();
      const where = this.eatWord('where') ? this.expr() : undefined;
      return { kind: 'assets', where, span: this.spanFrom(t) };
    }
    if (isWord(t, 'changes')) return this.changesSource(this.advance());
    if (t.kind === 'ref') {
      this.advance();
      this.resolveRef(t);
      return { kind: 'ref', name: t.name, span: spanOf(t) };
    }
    const label = 'a source: metric "name", assets, changes or $name';
    if (t.kind === 'ident' && !t.quoted && isStage(t.name)) {
      const hint = `start with a source, such as metric "cpu.load" last 1h | ${t.name} …`;
      throw this.error(spanOf(t), `expected a source before the stage "${t.name}"`, [label], hint);
    }
    if (t.kind === 'ident' && !t.quoted && didYouMean(t.name, SOURCES)) {
      throw this.error(spanOf(t), `unknown source "${t.name}"`, [label], this.guess({ label, words: SOURCES }));
    }
    this.fail({ label, words: SOURCES });
  }

  /** `changes [where condition] (last d | from a [to b])`, the where and the range in either order. */
  private changesSource(start: Token): Source {
    const { where, range } = this.sourceClauses('the changes source', false);
    if (!range) this.fail(undefined, 'the changes source needs a time range, such as changes last 7d');
    return { kind: 'changes', where, range, span: this.spanFrom(start) };
  }

  private metricSource(start: Token): Source {
    const metrics = [this.metricName()];
    while (this.eatPunct(',')) metrics.push(this.metricName());
    const { where, range, live } = this.sourceClauses('the metric source', true);
    if (!range) this.fail(undefined, 'every metric source needs a time range, such as metric "cpu.load" last 1h');
    return { kind: 'metric', metrics, where, range, live, span: this.spanFrom(start) };
  }

  /** A source's `where`, range and (when allowed, after the range) `live`, in any order, each once. */
  private sourceClauses(what: string, allowLive: boolean): { where?: Expr; range?: Range; live: boolean } {
    let where: Expr | undefined;
    let range: Range | undefined;
    let live = false;
    for (;;) {
      const t = this.cur();
      if (where === undefined && this.atWord('where')) {
        this.advance();
        where = this.expr();
        continue;
      }
      const isRange = isWord(t, 'last') || isWord(t, 'from');
      if (isRange && range) throw this.error(spanOf(t), `${what} already has a time range`, [], 'remove one of the two ranges');
      if (isRange) {
        range = this.range(this.advance());
        continue;
      }
      if (!range) {
        this.note(RANGE, 'last', 'from');
        break;
      }
      if (!allowLive || live || !this.eatWord('live')) break;
      live = true;
    }
    return { where, range, live };
  }

  private metricName(): { name: string; span: Span } {
    const t = this.cur();
    if (t.kind === 'string' && t.value !== '') {
      this.advance();
      return { name: t.value, span: spanOf(t) };
    }
    if (t.kind === 'string') throw this.error(spanOf(t), 'the metric name is empty', ['a metric name']);
    const word = t.kind === 'ident' ? /[\w.*\-/]+/y : undefined;
    if (word) word.lastIndex = t.start;
    const hint = word ? `metric names are strings: write metric "${word.exec(this.text)![0]}"` : undefined;
    this.fail({ label: 'a quoted metric name such as "cpu.load"', words: [] }, hint);
  }

  private range(start: Token): Range {
    if (isWord(start, 'last')) {
      const duration = this.duration();
      return { kind: 'last', duration, span: this.spanFrom(start) };
    }
    const from = this.instant();
    const to = this.eatWord('to') ? this.instant() : undefined;
    return { kind: 'between', from, to, span: this.spanFrom(start) };
  }

  private resolveRef(t: Extract<Token, { kind: 'ref' }>): void {
    if (this.bindings.has(t.name)) return;
    const span = spanOf(t);
    if (t.name === this.defining) {
      throw this.error(span, `the let binding "${t.name}" cannot use itself`, [], 'a binding can use only the bindings defined before it');
    }
    for (let i = this.pos; i + 2 < this.tokens.length; i++) {
      const [a, b, c] = [this.tokens[i], this.tokens[i + 1], this.tokens[i + 2]];
      if (isWord(a, 'let') && b.kind === 'ident' && b.name === t.name && isPunct(c, '=')) {
        throw this.error(span, `"$${t.name}" is used before its let binding on line ${b.line}`, [], `move the let binding of "${t.name}" before this use`);
      }
    }
    const names = [...this.bindings.keys()];
    const guess = didYouMean(t.name, names);
    let hint = `define it first: let ${t.name} = metric "…" last 1h;`;
    if (guess) hint = `did you mean "$${guess}"?`;
    else if (names.length > 0) hint = `the defined names are ${names.map((n) => `$${n}`).join(', ')}`;
    throw this.error(span, `"$${t.name}" is not defined`, [], hint);
  }

  // ---- stages

  private stage(bar: Token): Stage {
    const t = this.cur();
    if (t.kind === 'ident' && !t.quoted && isStage(t.name)) return this.stageBody(t.name, this.advance());
    const expected = STAGES.map((s) => `"${s}"`);
    if (t.kind === 'ident') {
      const guess = didYouMean(t.name, STAGES);
      throw this.error(spanOf(t), `unknown stage "${t.name}"`, expected, guess ? `did you mean "${guess}"?` : `the stages are ${STAGES.join(', ')}`);
    }
    if (t.kind === 'eof') {
      const hint = 'remove the last "|", or add a stage after it, such as stats count()';
      throw this.error(spanOf(bar), 'expected a stage name after "|", found the end of the query', expected, hint);
    }
    this.fail({ label: 'a stage name such as where, stats or sort', words: [] });
  }

  private stageBody(kind: StageKind, start: Token): Stage {
    switch (kind) {
      case 'where': {
        const expr = this.expr();
        return { kind, expr, span: this.spanFrom(start) };
      }
      case 'eval': {
        const assigns = [this.assign()];
        while (this.eatPunct(',')) assigns.push(this.assign());
        return { kind, assigns, span: this.spanFrom(start) };
      }
      case 'rate': return this.rateStage(start);
      case 'enrich': {
        const asof = isWord(this.cur(), 'asof') && this.peek().kind === 'ident';
        if (asof) this.advance();
        else this.note('"asof"', 'asof');
        const names = this.nameList('an asset attribute such as hw_model');
        return { kind, asof, names, span: this.spanFrom(start) };
      }
      case 'stats': return this.statsStage(start);
      case 'top': return this.topStage(start);
      case 'sort': {
        const keys = [this.sortKey()];
        while (this.eatPunct(',')) keys.push(this.sortKey());
        return { kind, keys, span: this.spanFrom(start) };
      }
      case 'head': {
        const n = this.integer();
        return { kind, n, span: this.spanFrom(start) };
      }
      case 'join': return this.joinStage(start);
      case 'shift': {
        const duration = this.duration();
        return { kind, duration, span: this.spanFrom(start) };
      }
      case 'compare': return this.compareStage(start);
      case 'correlate': return this.correlateStage(start);
      case 'trend': return this.trendStage(start);
      case 'outliers': return this.outliersStage(start);
      case 'view': return this.viewStage(start);
      default: {
        const unknown: never = kind;
        throw new Error(`no parser for stage ${String(unknown)}`);
      }
    }
  }

  /** Parses trailing options in any order, each at most once. */
  private options(options: readonly Option[]): void {
    const seen = new Map<Option, Token>();
    for (;;) {
      const t = this.cur();
      const option = options.find((o) => o.words.some((w) => (seen.has(o) ? isWord(t, w) : this.atWord(w))));
      if (!option) return;
      const first = seen.get(option);
      if (first) {
        const message = first.text === t.text ? `"${t.text}" is given twice` : `cannot give both "${first.text}" and "${t.text}"`;
        throw this.error(spanOf(t), message, [], 'remove one of them');
      }
      seen.set(option, this.advance());
      option.parse(t);
    }
  }

  private assign(): Assign {
    const name = this.cur();
    if (name.kind !== 'ident') this.fail({ label: 'a column name such as ratio', words: [] });
    this.advance();
    if (!isPunct(this.cur(), '=')) this.fail({ label: '"="', words: [] }, `eval sets columns: eval ${name.name} = expression`);
    this.advance();
    const expr = this.expr();
    return { name: name.name, expr, span: this.spanFrom(name) };
  }

  private rateStage(start: Token): Stage {
    let per: Duration | undefined;
    let reset: 'restart' | 'drop' | undefined;
    this.options([
      { words: ['per'], parse: () => (per = this.duration()) },
      { words: ['reset'], parse: () => (reset = this.choice('reset mode', RESETS)) },
    ]);
    return { kind: 'rate', per, reset, span: this.spanFrom(start) };
  }

  private statsStage(start: Token): Stage {
    let every: Duration | undefined;
    let fill: Fill | undefined;
    if (this.atKeyword('every')) {
      this.advance();
      every = this.duration();
      if (this.atKeyword('fill')) {
        this.advance();
        fill = this.choice('fill mode', FILLS);
      }
    }
    const t = this.cur();
    const next = this.peek();
    if (isWord(t, 'fill') && next.kind === 'ident') {
      throw this.error(spanOf(t), '"fill" needs "every" before it', [], `fill applies to time buckets: stats every 1m fill ${next.name} …`);
    }
    if (isWord(t, 'by') && next.kind === 'ident') {
      throw this.error(spanOf(t), 'expected an aggregate before "by"', [AGGREGATE], `stats needs an aggregate, such as stats count() by ${next.name}`);
    }
    const aggs = [this.agg()];
    while (this.eatPunct(',')) aggs.push(this.agg());
    const by = this.eatWord('by') ? this.nameList() : [];
    return { kind: 'stats', every, fill, aggs, by, span: this.spanFrom(start) };
  }

  /** `[name =] expr`, where expr is an aggregate call or arithmetic over aggregate calls (`100 - avg(value)`). */
  private agg(): Agg {
    const start = this.cur();
    let as: string | undefined;
    if (start.kind === 'ident' && isPunct(this.peek(), '=')) {
      as = start.name;
      this.advance();
      this.advance();
    }
    if (!startsExpr(this.cur())) this.fail({ label: AGGREGATE, words: [] });
    const expr = this.expr();
    const span = this.spanFrom(start);
    if (expr.kind === 'call') return { as, fn: expr.name, fnSpan: expr.nameSpan, args: expr.args, span };
    const call = firstCall(expr);
    if (call) return { as, fn: call.name, fnSpan: call.nameSpan, args: call.args, expr, span };
    const src = short(this.text.slice(expr.span.start, expr.span.end));
    throw this.error(expr.span, `expected an aggregate such as avg(value), found "${src}"`, [AGGREGATE], `wrap it in an aggregate, such as avg(${src})`);
  }

  private topStage(start: Token): Stage {
    const n = this.integer('such as top 10 busy');
    const expr = this.expr();
    let asc = false;
    let by: NameRef[] = [];
    this.options([
      { words: ['asc', 'desc'], parse: (w) => (asc = w.text === 'asc') },
      { words: ['by'], parse: () => (by = this.nameList()) },
    ]);
    return { kind: 'top', n, expr, asc, by, span: this.spanFrom(start) };
  }

  private sortKey(): SortKey {
    const start = this.cur();
    const expr = this.expr();
    const desc = this.atWord('desc');
    if (desc || this.atWord('asc')) this.advance();
    return { expr, desc, span: this.spanFrom(start) };
  }

  private joinStage(start: Token): Stage {
    const left = isWord(this.cur(), 'left') && this.peek().kind === 'ref';
    if (left) this.advance();
    else this.note('"left"', 'left');
    const t = this.cur();
    if (t.kind !== 'ref') this.fail({ label: 'a let binding such as $backbone', words: [] }, t.kind === 'ident' ? `write $${t.name}` : undefined);
    this.advance();
    this.resolveRef(t);
    const on = this.eatWord('on') ? this.nameList() : [];
    return { kind: 'join', left, ref: { name: t.name, span: spanOf(t) }, on, span: this.spanFrom(start) };
  }

  private compareStage(start: Token): Stage {
    const expr = this.expr();
    if (!this.atWord('by')) this.fail(undefined, 'compare needs groups to compare, such as compare value by hw_model');
    this.advance();
    const by = this.nameList();
    let per: NameRef | undefined;
    let within: NameRef | undefined;
    let test: NameRef | undefined;
    let level: number | undefined;
    this.options([
      { words: ['per'], parse: () => (per = this.nameRef()) },
      { words: ['within'], parse: () => (within = this.nameRef()) },
      { words: ['test'], parse: () => (test = this.nameRef()) },
      { words: ['level'], parse: () => (level = this.number()) },
    ]);
    return { kind: 'compare', expr, by, per, within, test, level, span: this.spanFrom(start) };
  }

  private correlateStage(start: Token): Stage {
    const a = this.expr();
    if (!this.atPunct(',')) this.fail(undefined, 'correlate takes two expressions: correlate a, b');
    this.advance();
    const b = this.expr();
    let lagFrom: Duration | undefined;
    let lagTo: Duration | undefined;
    let by: NameRef[] = [];
    const lag = () => {
      lagFrom = this.signedDuration();
      if (!isWord(this.cur(), 'to')) this.fail({ label: '"to"', words: ['to'] }, 'write a range of lags, such as lag 0m to 30m');
      this.advance();
      lagTo = this.signedDuration();
    };
    this.options([
      { words: ['lag'], parse: lag },
      { words: ['by'], parse: () => (by = this.nameList()) },
    ]);
    return { kind: 'correlate', a, b, lagFrom, lagTo, by, span: this.spanFrom(start) };
  }

  private trendStage(start: Token): Stage {
    const expr = this.expr();
    let duration: Duration | undefined;
    let until: Expr | undefined;
    let by: NameRef[] = [];
    this.options([
      { words: ['for'], parse: () => (duration = this.duration()) },
      { words: ['until'], parse: () => (until = this.expr()) },
      { words: ['by'], parse: () => (by = this.nameList()) },
    ]);
    return { kind: 'trend', expr, for: duration, until, by, span: this.spanFrom(start) };
  }

  private outliersStage(start: Token): Stage {
    const expr = this.expr();
    let method: NameRef | undefined;
    let by: NameRef[] = [];
    this.options([
      { words: ['method'], parse: () => (method = this.nameRef('a method such as tukey')) },
      { words: ['by'], parse: () => (by = this.nameList()) },
    ]);
    return { kind: 'outliers', expr, method, by, span: this.spanFrom(start) };
  }

  private viewStage(start: Token): Stage {
    const name = this.nameRef('a view name such as timechart');
    const options: { name: string; value: Expr; span: Span }[] = [];
    while (this.atPunct('-')) {
      const dash = this.advance();
      const opt = this.cur();
      if (opt.kind !== 'ident') this.fail({ label: 'an option name such as title', words: [] });
      this.advance();
      const value = this.literal(opt.name);
      options.push({ name: opt.name, value, span: this.spanFrom(dash) });
    }
    return { kind: 'view', name, options, span: this.spanFrom(start) };
  }

  // ---- small pieces

  private expectPunct(p: string): Token {
    if (!isPunct(this.cur(), p)) this.fail({ label: `"${p}"`, words: [] });
    return this.advance();
  }

  private nameRef(label = 'a name'): NameRef {
    const t = this.cur();
    if (t.kind === 'ident') {
      this.advance();
      return { name: t.name, span: spanOf(t) };
    }
    this.fail({ label, words: [] }, t.kind === 'string' ? `names are written without quotes, or in backquotes: \`${t.value}\`` : undefined);
  }

  private nameList(label?: string): NameRef[] {
    const names = [this.nameRef(label)];
    while (this.eatPunct(',')) names.push(this.nameRef(label));
    return names;
  }

  /** One word of a closed set, such as a fill mode. */
  private choice<T extends string>(what: string, choices: readonly T[]): T {
    const t = this.cur();
    const list = joinOr([...choices]);
    if (t.kind === 'ident' && !t.quoted) {
      const found = choices.find((c) => c === t.name);
      if (found) {
        this.advance();
        return found;
      }
      const guess = didYouMean(t.name, choices);
      throw this.error(spanOf(t), `unknown ${what} "${t.name}"`, choices.map((c) => `"${c}"`), guess ? `did you mean "${guess}"?` : `the ${what}s are ${list}`);
    }
    this.fail({ label: `a ${what} (${list})`, words: [...choices] });
  }

  private duration(): Duration {
    const t = this.cur();
    if (t.kind === 'duration') {
      this.advance();
      return { kind: 'duration', ms: t.ms, text: t.text, span: spanOf(t) };
    }
    let hint: string | undefined;
    if (t.kind === 'number' && t.integer) {
      const next = this.peek();
      const unit = next.kind === 'ident' && !next.quoted && Object.hasOwn(DURATION_UNITS, next.name) ? next.name : undefined;
      hint = unit ? `write "${t.text}${unit}", without a space` : `add a unit, as in ${t.text}s, ${t.text}m, ${t.text}h or ${t.text}d`;
    }
    this.fail({ label: 'a duration such as 5m', words: [] }, hint);
  }

  /** A duration with an optional minus sign, for lags that lead (`lag -30m to 30m`). */
  private signedDuration(): Duration {
    const minus = this.cur();
    if (!isPunct(minus, '-') || this.peek().kind !== 'duration') return this.duration();
    this.advance();
    const d = this.duration();
    return { kind: 'duration', ms: negate(d.ms), text: `-${d.text}`, span: this.spanFrom(minus) };
  }

  private instant(): Instant {
    const t = this.cur();
    if (t.kind === 'instant') {
      this.advance();
      return { kind: 'absolute', ms: t.ms, span: spanOf(t) };
    }
    if (isWord(t, 'now')) {
      this.advance();
      const sign = this.cur();
      if (!isPunct(sign, '-') && !isPunct(sign, '+')) return { kind: 'now', offsetMs: 0, span: spanOf(t) };
      this.advance();
      const d = this.duration();
      return { kind: 'now', offsetMs: sign.text === '-' ? negate(d.ms) : d.ms, span: this.spanFrom(t) };
    }
    if (isWord(t, 'today') || isWord(t, 'yesterday')) {
      this.advance();
      return { kind: isWord(t, 'today') ? 'today' : 'yesterday', span: spanOf(t) };
    }
    const hint = t.kind === 'duration' ? `did you mean "now-${t.text}"?` : undefined;
    this.fail({ label: 'a time such as now-24h, today or @2026-01-01', words: ['now', 'today', 'yesterday'] }, hint);
  }

  private integer(example?: string): number {
    const t = this.cur();
    if (t.kind === 'number' && t.integer && Number.isSafeInteger(t.value)) {
      this.advance();
      return t.value;
    }
    if (t.kind === 'number' && t.integer) throw this.error(spanOf(t), `the number ${t.text} is too large`, ['a whole number']);
    this.fail({ label: 'a whole number', words: [] }, example && t.kind !== 'number' ? `give the count first, ${example}` : undefined);
  }

  private number(): number {
    const t = this.cur();
    if (t.kind !== 'number') this.fail({ label: 'a number such as 0.95', words: [] });
    this.advance();
    return t.value;
  }

  /** The value of a view option: a literal, or a negative number. */
  private literal(option: string): Expr {
    const t = this.cur();
    const kinds = ['number', 'string', 'duration', 'instant'];
    if (kinds.includes(t.kind) || (t.kind === 'ident' && !t.quoted && LITERAL_WORDS.has(t.name))) return this.atom();
    const n = this.peek();
    if (isPunct(t, '-') && n.kind === 'number') {
      this.advance();
      this.advance();
      return { kind: 'number', value: negate(n.value), span: this.spanFrom(t) };
    }
    const hint = t.kind === 'ident' ? `write text in quotes: -${option} "${t.name}"` : `every option takes a value, such as -${option} true`;
    this.fail({ label: 'a value such as "text", 10 or true', words: [] }, hint);
  }

  // ---- expressions, loosest first: or, and, not, comparison, + -, * / %, unary -, atom

  private expr(): Expr {
    const start = this.cur();
    let left = this.andExpr();
    while (this.atOperatorWord('or')) {
      this.advance();
      left = this.binary('or', left, this.andExpr(), start);
    }
    return left;
  }

  private andExpr(): Expr {
    const start = this.cur();
    let left = this.notExpr();
    while (this.atOperatorWord('and')) {
      this.advance();
      left = this.binary('and', left, this.notExpr(), start);
    }
    return left;
  }

  private notExpr(): Expr {
    const t = this.cur();
    if (!isWord(t, 'not')) return this.cmpExpr();
    this.advance();
    return this.nested(t, () => {
      const expr = this.notExpr();
      return this.node({ kind: 'not', expr, span: this.spanFrom(t) }, [expr]);
    });
  }

  /** A comparison does not chain: `a < b < c` is an error, not `(a < b) < c`. `x not in [...]` is `not (x in [...])`. */
  private cmpExpr(): Expr {
    const start = this.cur();
    const left = this.sumExpr();
    const op = this.cmpOp(true);
    if (op === undefined) return left;
    let expr: Expr;
    if (op === 'not in') {
      this.advance();
      this.advance();
      const inExpr = this.binary('in', left, this.inList(), start);
      expr = this.node({ kind: 'not', expr: inExpr, span: inExpr.span }, [inExpr]);
    } else {
      this.advance();
      expr = this.binary(op, left, op === 'in' ? this.inList() : this.sumExpr(), start);
    }
    const t = this.cur();
    if (this.cmpOp(false) !== undefined) {
      throw this.error(spanOf(t), 'comparisons cannot be chained', [], 'combine them with "and", as in a < b and b < c');
    }
    return expr;
  }

  private cmpOp(note: boolean): Extract<Expr, { kind: 'binary' }>['op'] | 'not in' | undefined {
    const t = this.cur();
    if (t.kind === 'punct' && CMP_OPS.has(t.text)) return t.text as '=';
    if (isWord(t, 'in')) return 'in';
    if (isWord(t, 'not') && isWord(this.peek(), 'in')) return 'not in';
    if (note) this.note(OPERATOR, 'in');
    return undefined;
  }

  private inList(): Expr {
    const t = this.cur();
    if (isPunct(t, '[') || isPunct(t, '(')) return this.list(t);
    this.fail({ label: 'a list such as ["a", "b"]', words: [] });
  }

  private sumExpr(): Expr {
    const start = this.cur();
    let left = this.prodExpr();
    for (let op = this.atOperator(SUM_OPS); op; op = this.atOperator(SUM_OPS)) {
      this.advance();
      left = this.binary(op, left, this.prodExpr(), start);
    }
    return left;
  }

  private prodExpr(): Expr {
    const start = this.cur();
    let left = this.unary();
    for (let op = this.atOperator(PROD_OPS); op; op = this.atOperator(PROD_OPS)) {
      this.advance();
      left = this.binary(op, left, this.unary(), start);
    }
    return left;
  }

  private atOperator(ops: ReadonlySet<string>): '+' | '-' | '*' | '/' | '%' | undefined {
    const t = this.cur();
    if (t.kind === 'punct' && ops.has(t.text)) return t.text as '+';
    this.note(OPERATOR);
    return undefined;
  }

  private atOperatorWord(w: 'and' | 'or'): boolean {
    if (isWord(this.cur(), w)) return true;
    this.note(OPERATOR, w);
    return false;
  }

  private unary(): Expr {
    const t = this.cur();
    if (!isPunct(t, '-')) return this.atom();
    this.advance();
    return this.nested(t, () => {
      const expr = this.unary();
      return this.node({ kind: 'neg', expr, span: this.spanFrom(t) }, [expr]);
    });
  }

  private atom(): Expr {
    const t = this.cur();
    const span = spanOf(t);
    switch (t.kind) {
      case 'number':
        this.advance();
        return { kind: 'number', value: t.value, span };
      case 'string':
        this.advance();
        return { kind: 'string', value: t.value, span };
      case 'duration':
        this.advance();
        return { kind: 'duration', ms: t.ms, text: t.text, span };
      case 'instant':
        this.advance();
        return { kind: 'instant', instant: { kind: 'absolute', ms: t.ms, span }, span };
      case 'ident':
        return this.wordAtom(t);
      case 'punct':
        if (t.text === '(') return this.paren(t);
        if (t.text === '[') return this.list(t);
        break;
      case 'ref':
        this.fail({ label: EXPRESSION, words: [] }, `$${t.name} is a pipeline, not a value: combine it with | join $${t.name}`);
    }
    const trailingComma = isPunct(this.prev(), ',') && (isPunct(t, ')') || isPunct(t, ']'));
    this.fail({ label: EXPRESSION, words: [] }, trailingComma ? `remove the "," before "${t.text}"` : undefined);
  }

  private wordAtom(t: IdentToken): Expr {
    const span = spanOf(t);
    if (!t.quoted) {
      switch (t.name) {
        case 'true':
        case 'false':
          this.advance();
          return { kind: 'bool', value: t.name === 'true', span };
        case 'null':
          this.advance();
          return { kind: 'null', span };
        case 'today':
        case 'yesterday':
          this.advance();
          return { kind: 'instant', instant: { kind: t.name, span }, span };
        case 'now':
          return this.nowAtom(t);
      }
      if (OPERATOR_WORDS.has(t.name)) {
        const hint = t.name === 'not' ? '"not" goes before a whole condition, as in not a = b' : `to use "${t.name}" as a name, write it in backquotes: \`${t.name}\``;
        this.fail({ label: EXPRESSION, words: [] }, hint);
      }
      if (isPunct(this.peek(), '(')) return this.call(t);
    }
    this.advance();
    return { kind: 'name', name: t.name, span };
  }

  /** `now`, or `now-24h` / `now+1h` written without spaces: one instant, like a date. With spaces it is arithmetic. */
  private nowAtom(t: IdentToken): Expr {
    this.advance();
    const sign = this.cur();
    const d = this.peek();
    let offsetMs = 0;
    if ((isPunct(sign, '-') || isPunct(sign, '+')) && !sign.spaceBefore && d.kind === 'duration' && !d.spaceBefore) {
      this.advance();
      this.advance();
      offsetMs = sign.text === '-' ? negate(d.ms) : d.ms;
    }
    const span = this.spanFrom(t);
    return { kind: 'instant', instant: { kind: 'now', offsetMs, span }, span };
  }

  private call(name: IdentToken): Expr {
    this.advance();
    const open = this.advance();
    return this.nested(open, () => {
      const args = this.items(open, ')');
      return this.node({ kind: 'call', name: name.name, nameSpan: spanOf(name), args, span: this.spanFrom(name) }, args);
    });
  }

  private paren(open: Token): Expr {
    this.advance();
    return this.nested(open, () => {
      const expr = this.expr();
      this.close(open, ')');
      return expr;
    });
  }

  /** `[a, b]`, or `(a, b)` after `in`. */
  private list(open: Token): Expr {
    this.advance();
    return this.nested(open, () => {
      const items = this.items(open, open.text === '[' ? ']' : ')');
      return this.node({ kind: 'list', items, span: this.spanFrom(open) }, items);
    });
  }

  /** Comma-separated expressions and the closing token; the opening one is already consumed. */
  private items(open: Token, closer: string): Expr[] {
    const items: Expr[] = [];
    if (this.eatPunct(closer)) return items;
    do items.push(this.expr());
    while (this.eatPunct(','));
    this.close(open, closer);
    return items;
  }

  private close(open: Token, closer: string): void {
    if (this.atPunct(closer)) {
      this.advance();
      return;
    }
    const t = this.cur();
    const message = `expected "${closer}" to close the "${open.text}" at ${open.line}:${open.col}, found ${describe(t)}`;
    throw this.error(spanOf(t), message, this.labels(), this.guess());
  }

  private nested<T>(at: Token, parse: () => T): T {
    if (this.nesting >= MAX_NESTING) {
      const message = `the expression is nested too deeply: more than ${MAX_NESTING} levels of parentheses, lists, calls or prefix operators`;
      throw this.error(spanOf(at), message);
    }
    this.nesting++;
    const out = parse();
    this.nesting--;
    return out;
  }

  private binary(op: Extract<Expr, { kind: 'binary' }>['op'], left: Expr, right: Expr, start: Token): Expr {
    return this.node({ kind: 'binary', op, left, right, span: this.spanFrom(start) }, [left, right]);
  }

  /** Records the depth of an inner node and refuses trees deeper than MAX_EXPR_DEPTH. Leaves have depth 1. */
  private node<T extends Expr>(e: T, children: readonly Expr[]): T {
    let depth = 1;
    for (const c of children) depth = Math.max(depth, (this.depths.get(c) ?? 1) + 1);
    if (depth > MAX_EXPR_DEPTH) {
      throw this.error(e.span, `the expression is too deep: more than ${MAX_EXPR_DEPTH} nested operations`, [], 'for a long chain of "or", use in [...]');
    }
    this.depths.set(e, depth);
    return e;
  }
}

function isWord(t: Token, w: string): boolean {
  return t.kind === 'ident' && !t.quoted && t.name === w;
}

function isPunct(t: Token, p: string): boolean {
  return t.kind === 'punct' && t.text === p;
}

function startsExpr(t: Token): boolean {
  if (t.kind === 'ident') return t.quoted || !OPERATOR_WORDS.has(t.name) || t.name === 'not';
  if (t.kind === 'punct') return t.text === '(' || t.text === '[' || t.text === '-';
  return t.kind === 'number' || t.kind === 'string' || t.kind === 'duration' || t.kind === 'instant';
}

function firstCall(e: Expr): CallExpr | undefined {
  switch (e.kind) {
    case 'call':
      return e;
    case 'binary':
      return firstCall(e.left) ?? firstCall(e.right);
    case 'not':
    case 'neg':
      return firstCall(e.expr);
    case 'list':
      for (const item of e.items) {
        const c = firstCall(item);
        if (c) return c;
      }
      return undefined;
    default:
      return undefined;
  }
}

function spanOf(t: Token): Span {
  return { start: t.start, end: t.end, line: t.line, col: t.col };
}

/** The empty span right after `t`: where a missing token belongs. */
function afterToken(t: Token): Span {
  return { start: t.end, end: t.end, line: t.line, col: t.col + t.end - t.start };
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the query';
  if (t.kind === 'string') return `the string ${JSON.stringify(short(t.value))}`;
  return `"${short(t.text)}"`;
}

function short(s: string): string {
  return s.length > 24 ? `${s.slice(0, 23)}…` : s;
}

function joinOr(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function negate(ms: number): number {
  return ms === 0 ? 0 : -ms;
}
