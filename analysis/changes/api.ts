import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Storage } from '../../lib/clickhouse/client.ts';
import { HttpError } from '../../lib/http-errors.ts';
import { ownJsonParser } from '../../lib/json-body.ts';
import { parseTime } from '../../query/time-params.ts';
import { CHANGE_KINDS, changeHosts, getChange, groupMembers, insertChanges, listChanges, type Change, type ChangeKind, type ChangeScope, type StoredChange } from './store.ts';

/** Options of {@link changeApiRoutes}. */
export interface ChangeApiOptions {
  readonly storage: Storage;
  readonly now?: () => number;
}

/** Most changes one POST may carry. */
export const MAX_CHANGES_PER_POST = 1000;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;
const DEFAULT_RANGE_MS = 7 * 86_400_000;
/** Ids of derived changes start with this; a client id may not. */
const DERIVED_PREFIX = 'asset:';
const SOURCES = ['api', 'asset_history'] as const;

const time = z.union([z.number().int().min(946_684_800_000), z.iso.datetime({ offset: true })]);

/** One change as a client posts it (docs/api.md#changes). */
const changeInput = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.:@/-]{1,200}$/, 'use 1 to 200 letters, digits or _ . : @ / -')
      .refine((id) => !id.startsWith(DERIVED_PREFIX), `ids starting with "${DERIVED_PREFIX}" are kept for changes derived from asset history`)
      .optional(),
    ts: time.optional(),
    endTs: time.optional(),
    kind: z.enum(CHANGE_KINDS),
    hosts: z.array(z.string().min(1).max(253)).min(1).max(10_000).optional(),
    host: z.string().min(1).max(253).optional(),
    group: z.strictObject({ field: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'use an asset field or attribute name'), value: z.string().min(1).max(1000) }).optional(),
    fleet: z.literal(true).optional(),
    description: z.string().min(1).max(2000),
    link: z
      .url({ protocol: /^https?$/, error: 'use an http(s) URL' })
      .max(2000)
      .optional(),
    attrs: z.record(z.string().max(200), z.string().max(2000)).optional(),
  })
  .superRefine((c, ctx) => {
    const scopes = (['hosts', 'host', 'group', 'fleet'] as const).filter((k) => c[k] !== undefined);
    if (scopes.length !== 1) {
      ctx.addIssue({ code: 'custom', path: scopes.length === 0 ? ['host'] : [scopes[1]], message: `give exactly one scope of hosts, host, group or fleet${scopes.length > 1 ? `, not ${scopes.join(' and ')}` : ''}` });
    }
  });
type ChangeInput = z.output<typeof changeInput>;

function invalid(message: string, where?: Record<string, unknown>): HttpError {
  return new HttpError('CHANGE_ERR_INVALID', message, where);
}

function toMs(t: number | string): number {
  return typeof t === 'number' ? t : Date.parse(t);
}

/** Reads the POST body (one change or an array); any invalid change refuses the whole request. */
function readChanges(body: unknown, now: number, nextCreated: () => number): StoredChange[] {
  const list = Array.isArray(body) ? body : [body];
  if (body === undefined || body === null || typeof body !== 'object') throw invalid('cannot read the body: send a change {"kind", "description", "host"|"hosts"|"group"|"fleet", …} or an array of them');
  if (list.length === 0) throw invalid('cannot read the body: the array is empty');
  if (list.length > MAX_CHANGES_PER_POST) {
    throw new HttpError('CHANGE_ERR_TOO_MANY', `cannot take ${list.length} changes in one request: at most ${MAX_CHANGES_PER_POST}; send them in several requests`, { received: list.length, max: MAX_CHANGES_PER_POST });
  }
  return list.map((raw, index) => {
    const r = changeInput.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      const path = issue.path.join('.');
      throw invalid(`cannot read change ${index}${path ? ` at ${path}` : ''}: ${issue.message}`, { index, path });
    }
    const c: ChangeInput = r.data;
    const ts = c.ts === undefined ? now : toMs(c.ts);
    const endTs = c.endTs === undefined ? undefined : toMs(c.endTs);
    if (endTs !== undefined && endTs < ts) throw invalid(`cannot read change ${index} at endTs: it is before ts`, { index, path: 'endTs' });
    const scope: ChangeScope = c.fleet ? { kind: 'fleet' } : c.group ? { kind: 'group', field: c.group.field, value: c.group.value } : { kind: 'host', hosts: [...new Set(c.hosts ?? [c.host!])] };
    return {
      id: c.id ?? randomUUID(),
      ts,
      ...(endTs === undefined ? {} : { endTs }),
      kind: c.kind,
      scope,
      description: c.description,
      link: c.link ?? '',
      source: 'api',
      attrs: c.attrs ?? {},
      createdAt: nextCreated(),
    };
  });
}

/** A change as the API shows it, with the hosts it applies to (`['*']` for the fleet). */
function publicChange(c: Change, hosts: readonly string[]): Record<string, unknown> {
  return {
    id: c.id,
    ts: c.ts,
    ...(c.endTs === undefined ? {} : { endTs: c.endTs }),
    kind: c.kind,
    scope: c.scope.kind,
    ...(c.scope.kind === 'group' ? { group: { field: c.scope.field, value: c.scope.value } } : {}),
    hosts,
    description: c.description,
    link: c.link,
    source: c.source,
    attrs: c.attrs,
  };
}

async function withHosts(storage: Storage, changes: readonly Change[]): Promise<Record<string, unknown>[]> {
  const groups = await groupMembers(storage, changes);
  return changes.map((c) => publicChange(c, changeHosts(c, groups)));
}

type Query = Record<string, string | string[] | undefined>;

function many(q: Query, name: string): string[] | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).filter((x) => x !== '');
}

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter ${name}: give it once`, { param: name });
  return v === undefined || v === '' ? undefined : v;
}

function timeParam(q: Query, name: string, now: number, fallback: number): number {
  const text = one(q, name);
  if (text === undefined) return fallback;
  const t = parseTime(text, now);
  if (t === undefined) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter ${name}="${text}": use epoch milliseconds, ISO 8601, "now" or a relative time such as -1d`, { param: name });
  return t;
}

/** Reads the query of `GET /api/v1/changes`; an unknown parameter is an error, not ignored. */
function readFilter(q: Query, now: number): { from: number; to: number; hosts?: string[]; kinds?: ChangeKind[]; source?: string; limit: number } {
  const unknown = Object.keys(q).find((k) => !['from', 'to', 'host', 'kind', 'source', 'limit'].includes(k));
  if (unknown !== undefined) throw new HttpError('API_ERR_BAD_PARAM', `cannot filter changes by ${JSON.stringify(unknown)}: use from, to, host, kind, source or limit`, { param: unknown });
  const to = timeParam(q, 'to', now, now);
  const from = timeParam(q, 'from', now, to - DEFAULT_RANGE_MS);
  if (!(to > from)) throw new HttpError('API_ERR_BAD_PARAM', 'cannot read parameters from and to: from must be before to', { param: 'from' });
  const kinds = many(q, 'kind');
  const bad = kinds?.find((k) => !(CHANGE_KINDS as readonly string[]).includes(k));
  if (bad !== undefined) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter kind="${bad}": use ${CHANGE_KINDS.join(', ')}`, { param: 'kind' });
  const source = one(q, 'source');
  if (source !== undefined && !(SOURCES as readonly string[]).includes(source)) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter source="${source}": use ${SOURCES.join(' or ')}`, { param: 'source' });
  const limitText = one(q, 'limit');
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT)) {
    throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter limit="${limitText}": use a whole number from 1 to ${MAX_LIMIT}`, { param: 'limit' });
  }
  return { from, to, hosts: many(q, 'host'), kinds: kinds as ChangeKind[] | undefined, source, limit: limitText === undefined ? DEFAULT_LIMIT : Number(limitText) };
}

/** A derived change by id (`asset:<host>:<ms>:<field>`), read back from asset history. */
async function derivedChange(storage: Storage, id: string): Promise<Change | undefined> {
  const m = /^asset:(.+):(\d+):[^:]+$/.exec(id);
  if (!m) return undefined;
  const ts = Number(m[2]);
  const found = await listChanges(storage, { from: ts, to: ts + 1, hosts: [m[1]] });
  return found.find((c) => c.id === id);
}

/**
 * The change API (docs/api.md#changes): `POST /api/v1/changes` records deploys, configuration runs,
 * upgrades and swaps (a re-sent id replaces the earlier copy); `GET /api/v1/changes` lists them with
 * the changes derived from asset history; `GET` and `DELETE /api/v1/changes/:id` read and withdraw one.
 */
export async function changeApiRoutes(app: FastifyInstance, opts: ChangeApiOptions): Promise<void> {
  const { storage } = opts;
  const now = opts.now ?? Date.now;
  // Versions of one id are ordered by created_at: keep it increasing even within one millisecond.
  let lastCreated = 0;
  const nextCreated = () => (lastCreated = Math.max(now(), Date.now(), lastCreated + 1));

  // A body that is not JSON gets a change error code.
  ownJsonParser(app, invalid);

  app.post('/api/v1/changes', async (req, reply) => {
    const changes = readChanges(req.body, now(), nextCreated);
    await insertChanges(storage, changes);
    return reply.code(201).send({ changes: await withHosts(storage, changes) });
  });

  app.get('/api/v1/changes', async (req) => {
    const f = readFilter(req.query as Query, now());
    let changes = await listChanges(storage, { from: f.from, to: f.to, hosts: f.hosts, kinds: f.kinds, postedOnly: f.source === 'api', limit: f.source === 'asset_history' ? MAX_LIMIT : f.limit });
    if (f.source === 'asset_history') changes = changes.filter((c) => c.source === 'asset_history').slice(0, f.limit);
    return { changes: await withHosts(storage, changes), from: f.from, to: f.to };
  });

  app.get('/api/v1/changes/:id', async (req) => {
    const { id } = req.params as { id: string };
    const c = id.startsWith(DERIVED_PREFIX) ? await derivedChange(storage, id) : await getChange(storage, id);
    if (!c) throw new HttpError('CHANGE_ERR_NOT_FOUND', `cannot find change ${JSON.stringify(id)}: unknown or withdrawn`, { id });
    return (await withHosts(storage, [c]))[0];
  });

  app.delete('/api/v1/changes/:id', async (req) => {
    const { id } = req.params as { id: string };
    if (id.startsWith(DERIVED_PREFIX)) throw invalid(`cannot withdraw change ${JSON.stringify(id)}: it is derived from asset history; correct the asset record instead`, { id });
    const c = await getChange(storage, id);
    if (!c) throw new HttpError('CHANGE_ERR_NOT_FOUND', `cannot withdraw change ${JSON.stringify(id)}: unknown or already withdrawn`, { id });
    await insertChanges(storage, [{ ...c, createdAt: nextCreated() }], true);
    return { id, withdrawn: true };
  });
}
