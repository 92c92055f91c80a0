import { randomInt } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Storage } from '../lib/clickhouse/client.ts';
import { HttpError } from '../lib/http-errors.ts';
import { ownJsonParser } from '../lib/json-body.ts';
import { createDashboardStore, type StoredDashboard } from './dashboards-store.ts';
import { parseTime } from './time-params.ts';

/** Options of {@link dashboardApiRoutes}. */
export interface DashboardApiOptions {
  readonly storage: Storage;
  readonly now?: () => number;
}

const PANEL_VIEWS = ['auto', 'timechart', 'table', 'bars', 'tile', 'markdown'] as const;
const BODY_LIMIT = 256 * 1024;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

const timeText = z
  .string()
  .max(64)
  .refine((t) => parseTime(t, 0) !== undefined, 'use "now", a time relative to now such as "now-6h", epoch milliseconds or ISO 8601');

const panelSchema = z
  .strictObject({
    id: z.string().min(1).max(64),
    title: z.string().min(1).max(200),
    /** A query in the pipeline language (docs/query-language.md); may be empty or absent for a markdown panel. */
    query: z.string().max(20_000).optional(),
    view: z.enum(PANEL_VIEWS).optional(),
    /** Text of a `markdown` panel. */
    markdown: z.string().max(20_000).optional(),
    /** Width in grid columns (of 12). */
    w: z.int().min(1).max(12).default(6),
    /** Height in grid rows. */
    h: z.int().min(1).max(12).default(4),
  })
  .superRefine((p, ctx) => {
    if (p.view !== 'markdown' && !p.query) ctx.addIssue({ code: 'custom', path: ['query'], message: 'a query is required unless view is "markdown"' });
  });

/**
 * A saved dashboard as the browser edits it: its name, time range and panels. Unknown keys are refused.
 * The UI mirrors {@link DashboardSpec}.
 */
export const dashboardSpecSchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  /** Default time range: `now`, relative (`now-6h`) or ISO 8601; `refresh` is how often the UI reloads (e.g. `1m`). */
  time: z.strictObject({ from: timeText, to: timeText, refresh: z.string().max(32).optional() }).optional(),
  panels: z
    .array(panelSchema)
    .max(50)
    .superRefine((panels, ctx) => {
      const seen = new Set<string>();
      panels.forEach((p, i) => {
        if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `panel id "${p.id}" is used twice` });
        seen.add(p.id);
      });
    }),
});

/** A dashboard spec after validation (panel sizes filled in). */
export type DashboardSpec = z.output<typeof dashboardSpecSchema>;

/** A written body: the spec, plus what the API answers with (so a fetched dashboard can be sent back as is). */
const writeBodySchema = dashboardSpecSchema.extend({
  id: z.string().regex(ID_RE, '1 to 64 letters, digits, _ or -').optional(),
  /** The version the edit started from: a PUT is refused with 409 when it is no longer the current one. */
  version: z.int().min(0).optional(),
  updatedAt: z.number().optional(),
});

function invalid(message: string, path: string): HttpError {
  return new HttpError('DASHBOARD_ERR_INVALID', message, { path });
}

/** Validates a written body; the first problem becomes the error's `where.path` (dotted, `panels.2.title`). */
function readBody(body: unknown): z.output<typeof writeBodySchema> {
  const r = writeBodySchema.safeParse(body);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const unknown = i.code === 'unrecognized_keys';
    const path = (unknown ? [...i.path, i.keys[0]] : i.path).map(String).join('.');
    return { path, text: `${path || 'the body'}: ${unknown ? 'unknown key' : i.message}` };
  });
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  throw invalid(`cannot read the dashboard: ${problems.slice(0, 5).map((p) => p.text).join('; ')}${more}`, problems[0].path);
}

/** A new dashboard id: 10 random base-36 characters (about 52 bits). */
function newId(): string {
  let id = '';
  for (let i = 0; i < 10; i++) id += randomInt(36).toString(36);
  return id;
}

/** The file name of an export: the name in lower-case words joined by `-`. */
function slug(name: string, id: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return s || id;
}

/** The answer's view of a stored dashboard. */
function publicDashboard(d: StoredDashboard): Record<string, unknown> {
  const { name: _name, ...rest } = JSON.parse(d.spec) as DashboardSpec;
  return { id: d.id, name: d.name, version: d.version, updatedAt: d.updatedAt, ...rest };
}

/**
 * Saved dashboards (docs/api.md, "Dashboards"): `GET /api/v1/dashboards` lists them, `POST` creates one,
 * `GET|PUT|DELETE /api/v1/dashboards/:id` read (`?download=1`: as a JSON file), save (with an optional
 * `version` check, creating when absent) and delete one. Bodies are at most 256 KiB.
 */
export async function dashboardApiRoutes(app: FastifyInstance, opts: DashboardApiOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const store = createDashboardStore(opts.storage);

  // Our own JSON parser and size limit, so that a bad body gets a dashboard error code.
  ownJsonParser(app, (message) => invalid(message, ''), { bodyLimit: BODY_LIMIT });
  // Thrown again, an error goes to the server's handler, which answers it.
  app.setErrorHandler((err: FastifyError) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new HttpError('DASHBOARD_ERR_TOO_LARGE', `cannot take a dashboard over ${BODY_LIMIT} bytes`);
    throw err;
  });

  async function current(id: string): Promise<StoredDashboard | undefined> {
    const d = ID_RE.test(id) ? await store.get(id) : undefined;
    return d && !d.deleted ? d : undefined;
  }
  const notFound = (id: string) => new HttpError('DASHBOARD_ERR_NOT_FOUND', `cannot find dashboard ${JSON.stringify(id)}: never saved, or deleted`, { id });

  app.get('/api/v1/dashboards', async () => ({ dashboards: await store.list() }));

  app.post('/api/v1/dashboards', { bodyLimit: BODY_LIMIT }, async (req, reply) => {
    const { id: _id, version: _v, updatedAt: _u, ...spec } = readBody(req.body);
    const d: StoredDashboard = { id: newId(), name: spec.name, spec: JSON.stringify(spec), version: 1, deleted: false, updatedAt: now() };
    await store.put(d);
    return reply.code(201).send({ dashboard: publicDashboard(d) });
  });

  app.get('/api/v1/dashboards/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const d = await current(id);
    if (!d) throw notFound(id);
    const download = (req.query as Record<string, string | undefined>).download;
    if (download !== '1' && download !== 'true') return { dashboard: publicDashboard(d) };
    const text = JSON.stringify({ id: d.id, ...(JSON.parse(d.spec) as DashboardSpec) }, null, 2);
    return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="${slug(d.name, d.id)}.json"`).send(text);
  });

  app.put('/api/v1/dashboards/:id', { bodyLimit: BODY_LIMIT }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!ID_RE.test(id)) throw invalid(`cannot save dashboard ${JSON.stringify(id)}: an id is 1 to 64 letters, digits, _ or -`, 'id');
    const { id: bodyId, version, updatedAt: _u, ...spec } = readBody(req.body);
    if (bodyId !== undefined && bodyId !== id) throw invalid(`cannot save dashboard ${id}: the body is dashboard ${bodyId}`, 'id');
    const before = await store.get(id);
    const exists = before !== undefined && !before.deleted;
    if (version !== undefined && (!exists || version !== before.version)) {
      const why = exists ? `its current version is ${before.version}` : 'it does not exist (deleted, or never saved); save without a version to create it';
      throw new HttpError('DASHBOARD_ERR_CONFLICT', `cannot save dashboard ${id} over version ${version}: ${why}; read it again and reapply the change`, {
        id,
        version,
        current: exists ? before.version : null,
      });
    }
    const d: StoredDashboard = { id, name: spec.name, spec: JSON.stringify(spec), version: (before?.version ?? 0) + 1, deleted: false, updatedAt: now() };
    await store.put(d);
    return reply.code(exists ? 200 : 201).send({ dashboard: publicDashboard(d) });
  });

  app.delete('/api/v1/dashboards/:id', async (req) => {
    const { id } = req.params as { id: string };
    const d = await current(id);
    if (!d) throw notFound(id);
    await store.put({ ...d, version: d.version + 1, deleted: true, updatedAt: now() });
    return { deleted: id };
  });
}
