import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Storage } from '../lib/clickhouse/client.ts';
import { errorBody, HttpError } from '../lib/http-errors.ts';
import { ownJsonParser } from '../lib/json-body.ts';
import { ASSET_FIELDS, ASSET_FIELD_NAMES, type AssetField } from './assets-schema.ts';
import { createAssetStore, type AssetFilter } from './assets-store.ts';
import { ASSET_MODES, readFieldValue, readValidFrom, type AssetMode, type AssetVersion } from './assets.ts';
import { timeline } from './assets-versions.ts';
import { parseTime } from './time-params.ts';

/** Options of {@link assetApiRoutes}. */
export interface AssetApiOptions {
  readonly storage: Storage;
  /** Most records one PUT may carry; more is refused with 413. @default 50000 */
  readonly maxRecords?: number;
  readonly now?: () => number;
}

const MAX_LISTED_ERRORS = 100;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;
const BODY_KEYS = ['assets', 'mode', 'source', 'valid_from'];

type Query = Record<string, string | string[] | undefined>;

/** A record as the API shows it: every well-known field (null when it has no value), sorted attrs. */
function publicRecord(v: AssetVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { host: v.host };
  for (const f of ASSET_FIELD_NAMES) out[f] = v.content.fields[f] ?? null;
  out.attrs = Object.fromEntries(Object.entries(v.content.attrs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return out;
}

function invalid(message: string, where?: Record<string, unknown>): HttpError {
  return new HttpError('ASSET_ERR_INVALID', message, where);
}

/** Reads the body of a PUT: `{"assets": […], "mode"?, "source"?, "valid_from"?}` or a bare array. */
function readPutBody(body: unknown, maxRecords: number, now: number): { records: unknown[]; mode: AssetMode; source: string; validFrom?: number } {
  if (Array.isArray(body)) body = { assets: body };
  if (body === null || typeof body !== 'object') throw invalid('cannot read the body: send JSON {"assets": [{"host": …}, …]} or an array of records');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !BODY_KEYS.includes(k));
  if (unknown !== undefined) throw invalid(`cannot read the body: unknown key ${JSON.stringify(unknown)}; use ${BODY_KEYS.join(', ')}`, { field: unknown });
  if (!Array.isArray(b.assets)) throw invalid('cannot read the body: "assets" must be an array of records', { field: 'assets' });
  if (b.assets.length > maxRecords) {
    throw new HttpError('ASSET_ERR_TOO_MANY', `cannot take ${b.assets.length} records in one request: at most ${maxRecords}; send them in several requests`, { received: b.assets.length, max: maxRecords });
  }
  const mode = b.mode ?? 'replace';
  if (!(ASSET_MODES as readonly unknown[]).includes(mode)) throw invalid(`cannot use mode ${JSON.stringify(mode)}: use ${ASSET_MODES.join(' or ')}`, { field: 'mode' });
  const source = b.source ?? 'api';
  if (typeof source !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(source)) {
    throw invalid('cannot use source: 1 to 64 letters, digits, _ . : or -', { field: 'source' });
  }
  let validFrom: number | undefined;
  if (b.valid_from !== undefined && b.valid_from !== null) {
    const t = readValidFrom(b.valid_from, now);
    if ('error' in t) throw invalid(t.error, { field: 'valid_from' });
    validFrom = t.ms;
  }
  return { records: b.assets, mode: mode as AssetMode, source, validFrom };
}

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter ${name}: give it once`, { param: name });
  return v === undefined || v === '' ? undefined : v;
}

function timeParam(q: Query, name: string, now: number): number | undefined {
  const text = one(q, name);
  if (text === undefined) return undefined;
  const t = parseTime(text, now);
  if (t === undefined) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter ${name}="${text}": use epoch milliseconds, ISO 8601, "now" or a relative time such as -1d`, { param: name });
  return t;
}

function intParam(q: Query, name: string, fallback: number, max: number): number {
  const text = one(q, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter ${name}="${text}": use a whole number up to ${max}`, { param: name });
  return Number(text);
}

/** Reads the filters of `GET /api/v1/assets`; an unknown parameter is an error, not ignored. */
function readFilter(q: Query, now: number): AssetFilter {
  const fields: Partial<Record<AssetField, Array<string | number | null>>> = {};
  const attrs: Record<string, string[]> = {};
  const host = one(q, 'host');
  for (const [k, raw] of Object.entries(q)) {
    if (raw === undefined || ['host', 'limit', 'offset', 'at'].includes(k)) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    if (k in ASSET_FIELDS) {
      fields[k as AssetField] = values.map((text) => {
        const r = readFieldValue(k as AssetField, text);
        if ('error' in r) throw new HttpError('API_ERR_BAD_PARAM', r.error, { param: k });
        return r.value;
      });
    } else if (k.startsWith('attr.') && k.length > 5) {
      attrs[k.slice(5)] = values.map((v) => v.trim());
    } else {
      throw new HttpError('API_ERR_BAD_PARAM', `cannot filter assets by ${JSON.stringify(k)}: use host, a well-known field (${ASSET_FIELD_NAMES.join(', ')}), attr.<key>, at, limit or offset`, { param: k });
    }
  }
  return {
    ...(host === undefined ? {} : /[*?]/.test(host) ? { hostGlob: host } : { host }),
    fields,
    attrs,
    at: timeParam(q, 'at', now),
    limit: intParam(q, 'limit', DEFAULT_LIMIT, MAX_LIMIT),
    offset: intParam(q, 'offset', 0, 1e9),
  };
}

/**
 * The asset API (docs/assets.md): `PUT /api/v1/assets` upserts records, keeping every version;
 * `GET /api/v1/assets` lists current records; `GET /api/v1/assets/:host` and `…/:host/history` read
 * one host; `DELETE /api/v1/assets/:host` retires it. A bad record is refused with its index and
 * field while the good ones of the same request are stored.
 */
export async function assetApiRoutes(app: FastifyInstance, opts: AssetApiOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const maxRecords = opts.maxRecords ?? 50_000;
  const store = createAssetStore(opts.storage, { now });

  // A body that is not JSON gets an asset error code.
  ownJsonParser(app, invalid);

  /** Storage failures of a write answer 503 with what could not be stored; the log has the details. */
  async function writing<T>(req: FastifyRequest, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof HttpError) throw err;
      req.log.error({ err }, `cannot ${what}`);
      throw new HttpError('API_ERR_STORAGE', `cannot ${what}: ${(err as Error).message}`);
    }
  }

  app.put('/api/v1/assets', async (req, reply) => {
    const { records, mode, source, validFrom } = readPutBody(req.body, maxRecords, now());
    const r = await writing(req, 'store asset records', () => store.upsert(records, { mode, source, validFrom }));
    const answer = { received: r.received, changed: r.changed, unchanged: r.unchanged, rejected: r.rejected, mode, errors: r.errors.slice(0, MAX_LISTED_ERRORS) };
    if (r.rejected > 0 && r.changed + r.unchanged === 0) {
      const first = r.errors[0];
      const where = { index: first.index, ...(first.field ? { field: first.field } : {}) };
      return reply.code(400).send({ ...errorBody('ASSET_ERR_INVALID', `cannot store any of the ${r.received} records: ${first.message}`, where), ...answer });
    }
    return answer;
  });

  app.get('/api/v1/assets', async (req) => {
    const filter = readFilter(req.query as Query, now());
    const { assets, total } = await store.list(filter);
    return { assets: assets.map((v) => ({ ...publicRecord(v), valid_from: v.validFrom, source: v.source })), total, limit: filter.limit, offset: filter.offset };
  });

  app.get('/api/v1/assets/:host', async (req) => {
    const { host } = req.params as { host: string };
    const at = timeParam(req.query as Query, 'at', now());
    const v = await store.get(host, at);
    if (!v) throw new HttpError('ASSET_ERR_NOT_FOUND', `cannot find a record for host ${JSON.stringify(host)}${at === undefined ? '' : ` at ${new Date(at).toISOString()}`}: unknown or retired`, { host });
    return { ...publicRecord(v), valid_from: v.validFrom, source: v.source };
  });

  app.get('/api/v1/assets/:host/history', async (req) => {
    const { host } = req.params as { host: string };
    const versions = await store.history(host);
    if (versions.length === 0) throw new HttpError('ASSET_ERR_NOT_FOUND', `cannot find any version for host ${JSON.stringify(host)}`, { host });
    return {
      host,
      versions: timeline(versions).map(({ version: v, validTo, changes }) => ({
        ...publicRecord(v),
        valid_from: v.validFrom,
        valid_to: validTo,
        deleted: v.deleted,
        source: v.source,
        recorded_at: v.recordedAt,
        changes,
      })),
    };
  });

  app.delete('/api/v1/assets/:host', async (req) => {
    const { host } = req.params as { host: string };
    const text = one(req.query as Query, 'valid_from');
    let at: number | undefined;
    if (text !== undefined) {
      const t = readValidFrom(text, now());
      if ('error' in t) throw new HttpError('API_ERR_BAD_PARAM', t.error, { param: 'valid_from' });
      at = t.ms;
    }
    const v = await writing(req, 'retire the host', () => store.retire(host, { at, source: 'api' }));
    if (!v) throw new HttpError('ASSET_ERR_NOT_FOUND', `cannot retire host ${JSON.stringify(host)}: it has no record${at === undefined ? '' : ` at ${new Date(at).toISOString()}`}`, { host });
    return { host, retired: true, valid_from: v.validFrom };
  });
}
