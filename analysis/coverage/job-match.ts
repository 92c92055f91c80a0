import { metricMatcher } from '../../query/catalog.ts';
import { parseQuery } from '../../query/lang/parser.ts';
import type { JobConfig } from '../config.ts';

/** The asset fields a job's `roles` and `models` look at; undefined for a host without a record. */
export interface HostAsset {
  readonly role: string;
  readonly hw_model: string;
}

function globRe(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * Whether a job takes a host: its `hosts` glob matches, and, when the job names `roles` or `models`,
 * the host's current asset record has one of them (a host without a record has none). Shared by the
 * job runner and GET /api/v1/coverage.
 */
export function hostMatcher(job: Pick<JobConfig, 'hosts' | 'roles' | 'models'>): (host: string, asset: HostAsset | undefined) => boolean {
  const re = globRe(job.hosts);
  return (host, asset) => {
    if (!re.test(host)) return false;
    if (job.roles && !(asset && job.roles.includes(asset.role))) return false;
    if (job.models && !(asset && job.models.includes(asset.hw_model))) return false;
    return true;
  };
}

/**
 * Whether a job scores any of `metrics`, by its metric patterns: `metrics`, or the metric names of its
 * `select` (whose `where` is not evaluated here: coverage is an upper bound for select jobs).
 */
export function metricsMatcher(job: Pick<JobConfig, 'metrics' | 'select'>): (metrics: readonly string[]) => boolean {
  let patterns: readonly string[] = job.metrics;
  if (job.select !== undefined) {
    const source = parseQuery(`${job.select} last 1m`).pipeline.source;
    patterns = source.kind === 'metric' ? source.metrics.map((m) => m.name) : [];
  }
  const match = patterns.map(metricMatcher);
  return (metrics) => metrics.some((m) => match.some((f) => f(m)));
}

/** Names of the enabled jobs that cover a host: they take the host and score one of its metrics. */
export function coveringJobs(jobs: readonly JobConfig[]): (host: string, asset: HostAsset | undefined, metrics: readonly string[]) => string[] {
  const compiled = jobs.filter((j) => j.enabled).map((j) => ({ name: j.name, host: hostMatcher(j), metrics: metricsMatcher(j) }));
  return (host, asset, metrics) => compiled.filter((j) => j.host(host, asset) && j.metrics(metrics)).map((j) => j.name);
}
