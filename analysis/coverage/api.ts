import type { FastifyInstance } from 'fastify';
import type { Storage } from '../../lib/clickhouse/client.ts';
import { HttpError } from '../../lib/http-errors.ts';
import type { JobConfig } from '../config.ts';
import { createSilenceStore, type SilenceStore } from '../silences/silence-store.ts';
import { findSilence } from '../silences/silence.ts';
import { absentLabels, judgeHost } from './absent.ts';
import type { AbsentConfig } from './config.ts';
import { readHosts } from './hosts.ts';
import { coveringJobs } from './job-match.ts';

/** Options of {@link coverageApiRoutes}. */
export interface CoverageApiOptions {
  readonly storage: Storage;
  readonly jobs: readonly JobConfig[];
  readonly absent: AbsentConfig;
  readonly silences?: SilenceStore;
  readonly now?: () => number;
}

const STATES = ['absent', 'reporting', 'unexpected'] as const;

/**
 * `GET /api/v1/coverage?site=&role=&state=absent|reporting|unexpected` (docs/api.md): hosts expected
 * (asset records) against hosts reporting, whether each is absent or silenced, and the jobs that cover
 * it. The summary counts the hosts left after `site` and `role`, before `state`.
 */
export async function coverageApiRoutes(app: FastifyInstance, opts: CoverageApiOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  // No cache here: a coverage read right after a silence is created or expired must show it.
  const silences = opts.silences ?? createSilenceStore(opts.storage, { cacheMs: 0 });
  const covering = coveringJobs(opts.jobs);

  app.get('/api/v1/coverage', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const state = q.state || undefined;
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
      throw new HttpError('API_ERR_BAD_PARAM', `parameter state is ${STATES.join(', ')}`, { param: 'state' });
    }
    const t = now();
    const [hosts, active] = await Promise.all([readHosts(opts.storage, t, opts.absent), silences.current(t)]);
    const summary = { expected: 0, reporting: 0, absent: 0, unexpected: 0, silenced: 0 };
    const out = [];
    for (const h of hosts) {
      if ((q.site && h.site !== q.site) || (q.role && h.role !== q.role)) continue;
      const v = judgeHost(h, t, opts.absent);
      const silence = v.silencedByStatus ? undefined : findSilence(active, { labels: absentLabels(h, opts.absent.severity) }, t);
      const silenced = v.silencedByStatus ? { by: 'status' as const } : silence ? { by: 'silence' as const, id: silence.id } : undefined;
      const unexpected = v.reporting && !h.hasAsset;
      summary.expected += Number(v.expected);
      summary.reporting += Number(v.reporting);
      summary.absent += Number(v.absent);
      summary.unexpected += Number(unexpected);
      summary.silenced += Number(silenced !== undefined);
      if (state === 'absent' ? !v.absent : state === 'reporting' ? !v.reporting : state === 'unexpected' ? !unexpected : false) continue;
      out.push({
        host: h.host,
        site: h.site,
        role: h.role,
        hw_model: h.hw_model,
        status: h.status,
        expected: v.expected,
        reporting: v.reporting,
        lastSeen: h.lastSeen,
        interval_ms: h.intervalMs,
        absent: v.absent,
        ...(silenced ? { silenced } : {}),
        jobs: covering(h.host, h.hasAsset ? h : undefined, h.metrics),
      });
    }
    return { hosts: out, summary };
  });
}
