import { describe, expect, it } from 'vitest';
import { jobConfigSchema } from '../config.ts';
import { coveringJobs } from './job-match.ts';

const jobs = [
  jobConfigSchema.parse({ name: 'fleet' }),
  jobConfigSchema.parse({ name: 'web-latency', metrics: ['nginx.*'], roles: ['web'] }),
  jobConfigSchema.parse({ name: 'r650-disks', metrics: ['disk.*'], models: ['R650'], hosts: 'db-*' }),
  jobConfigSchema.parse({ name: 'cpu-select', select: 'metric "cpu.*" where site = "ams1"' }),
  jobConfigSchema.parse({ name: 'off', enabled: false }),
];
const covering = coveringJobs(jobs);

describe('coveringJobs', () => {
  it.each<[string, string, { role: string; hw_model: string } | undefined, string[], string[]]>([
    ['a web host with nginx metrics', 'web-1', { role: 'web', hw_model: 'R640' }, ['nginx.requests'], ['fleet', 'web-latency']],
    ['roles need an asset record', 'web-1', undefined, ['nginx.requests'], ['fleet']],
    ['models and the hosts glob', 'db-1', { role: 'db', hw_model: 'R650' }, ['disk.ops'], ['fleet', 'r650-disks']],
    ['hosts glob refuses', 'web-2', { role: 'db', hw_model: 'R650' }, ['disk.ops'], ['fleet']],
    ['select jobs by their metric names', 'x', undefined, ['cpu.user'], ['fleet', 'cpu-select']],
    ['a host without series', 'y', { role: 'web', hw_model: 'R650' }, [], []],
  ])('%s', (_, host, asset, metrics, want) => expect(covering(host, asset, metrics)).toEqual(want));
});
