import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Storage } from '../../lib/clickhouse/client.ts';
import { HttpError } from '../../lib/http-errors.ts';
import { parseDuration, parseTime } from '../../query/time-params.ts';
import { createSilenceStore, type SilenceStore } from './silence-store.ts';
import { SILENCE_MATCHERS, silenceState, type Silence } from './silence.ts';

/** Options of {@link silenceApiRoutes}. */
export interface SilenceApiOptions {
  readonly storage: Storage;
  readonly store?: SilenceStore;
  readonly now?: () => number;
}

/** Longest a silence may last, and how far ahead it may end. */
export const MAX_SILENCE_MS = 30 * 86_400_000;

const glob = z.string().min(1).max(200);
const time = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]);

const bodySchema = z.strictObject({
  matchers: z
    .strictObject(Object.fromEntries(SILENCE_MATCHERS.map((k) => [k, glob.optional()])) as Record<(typeof SILENCE_MATCHERS)[number], z.ZodOptional<typeof glob>>)
    .refine((m) => Object.values(m).some((v) => v !== undefined), `give at least one of ${SILENCE_MATCHERS.join(', ')}`),
  startsAt: time.optional(),
  endsAt: time,
  comment: z.string().min(1).max(2000),
  createdBy: z.string().min(1).max(200),
});

function invalid(message: string, path: string): HttpError {
  return new HttpError('SILENCE_ERR_INVALID', `cannot create the silence: ${message}`, { path });
}

function readTime(v: number | string, path: string, now: number): number {
  if (typeof v === 'number') return v;
  const ahead = /^(?:now)?\+(.+)$/.exec(v.trim());
  const d = ahead ? parseDuration(ahead[1]) : undefined;
  const t = ahead ? (d === undefined ? undefined : now + d) : parseTime(v, now);
  if (t === undefined) throw invalid(`${path}: use epoch milliseconds, ISO 8601, "now" or a relative time such as now+2h`, path);
  return t;
}

/** Validates a POST body; the first problem becomes `where.path` (dotted, `matchers.host`). */
export function readSilenceBody(body: unknown, now: number): Omit<Silence, 'id' | 'updatedAt'> {
  const r = bodySchema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    const unknown = i.code === 'unrecognized_keys';
    const path = (unknown ? [...i.path, i.keys[0]] : i.path).map(String).join('.');
    throw invalid(`${path || 'the body'}: ${unknown ? 'unknown key' : i.message}`, path);
  }
  const b = r.data;
  const startsAt = b.startsAt === undefined ? now : readTime(b.startsAt, 'startsAt', now);
  const endsAt = readTime(b.endsAt, 'endsAt', now);
  if (endsAt <= Math.max(startsAt, now)) throw invalid('endsAt must be after startsAt and in the future', 'endsAt');
  if (endsAt - startsAt > MAX_SILENCE_MS || endsAt - now > MAX_SILENCE_MS) throw invalid('a silence lasts at most 30 days and ends within 30 days', 'endsAt');
  const matchers = Object.fromEntries(Object.entries(b.matchers).filter(([, v]) => v !== undefined));
  return { matchers, startsAt, endsAt, comment: b.comment, createdBy: b.createdBy };
}

const view = (s: Silence, now: number) => ({ ...s, state: silenceState(s, now) });

/**
 * Silences (docs/api.md, "Coverage and silences"): `POST /api/v1/silences` creates one, `GET` lists
 * them (`?state=active|pending|expired`), `DELETE /api/v1/silences/:id` expires one at once.
 */
export async function silenceApiRoutes(app: FastifyInstance, opts: SilenceApiOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const store = opts.store ?? createSilenceStore(opts.storage);

  app.post('/api/v1/silences', async (req, reply) => {
    const s = await store.add(readSilenceBody(req.body, now()));
    return reply.code(201).send(view(s, now()));
  });

  app.get('/api/v1/silences', async (req) => {
    const { state } = req.query as { state?: string };
    if (state !== undefined && !['active', 'pending', 'expired'].includes(state)) {
      throw new HttpError('API_ERR_BAD_PARAM', 'parameter state is active, pending or expired', { param: 'state' });
    }
    const t = now();
    return { silences: (await store.list()).map((s) => view(s, t)).filter((s) => state === undefined || s.state === state) };
  });

  app.delete('/api/v1/silences/:id', async (req) => {
    const { id } = req.params as { id: string };
    const s = await store.expire(id, now());
    if (!s) throw new HttpError('SILENCE_ERR_NOT_FOUND', `cannot expire silence ${JSON.stringify(id)}: no such silence`, { id });
    return view(s, now());
  });
}
