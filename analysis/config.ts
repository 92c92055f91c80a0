// Configuration of the analysis role: the detection jobs and the alert lifecycle.
import { z } from 'zod';
import { ASSET_FIELD_NAMES } from '../query/assets-schema.ts';
import { QueryError } from '../query/lang/errors.ts';
import { parseQuery } from '../query/lang/parser.ts';
import { capacityConfigSchema } from './capacity/config.ts';
import { absentConfigSchema } from './coverage/config.ts';

/** The `job` under which absent-host alerts are stored; no configured job may take it. */
export const ABSENT_JOB = 'absent';

const ms = (what: string, def: number, min = 1000) => z.number().int().min(min).default(def).describe(what);

export const jobConfigSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _').describe('Name of the job, in anomalies and alert labels.'),
  kind: z
    .enum(['series', 'peers'])
    .default('series')
    .describe('series: each series against its own past; peers: each host against hosts of the same group at the same moment.'),
  metrics: z.array(z.string().min(1)).min(1).default(['*']).describe('Metrics to score, with * as a wildcard.'),
  hosts: z.string().min(1).default('*').describe('Hosts to score, a glob such as "web-*".'),
  select: z
    .string()
    .min(1)
    .optional()
    .describe('Series to score, in the query language: a metric source and its where, without a range, such as `metric "http.*" where site = "ams1" and role = "edge"` (replaces metrics).'),
  detector: z.string().default('default').describe('Detector of series jobs (`fleetscope detect --help` lists them).'),
  peers: z.enum(ASSET_FIELD_NAMES as [string, ...string[]]).default('hw_model').describe('Asset field that makes peer groups (peers jobs).'),
  everyMs: ms('How often the job runs.', 60_000),
  stepMs: ms('Width of the points scored: 60000 or more reads the 1-minute rollup, less reads raw samples.', 60_000),
  lagMs: ms('Data younger than this is left to the next run (it may still be arriving).', 30_000, 0),
  warmupMs: ms('History read on the first run, to learn what is normal.', 6 * 3_600_000, 0),
  maxCatchUpMs: ms('After a long stop, at most this much of the missed data is scored.', 6 * 3_600_000),
  recordThreshold: z.number().min(0).max(1).default(0.5).describe('Scores at or above this are written to `anomalies`.'),
  groupBy: z.enum(['host', 'series']).default('host').describe('One alert per host, or per series.'),
  severity: z.string().default('warning').describe('`severity` label of the alerts.'),
  roles: z.array(z.string().min(1)).min(1).optional().describe('Only hosts whose current asset `role` is one of these (default: every host, with or without an asset record).'),
  models: z.array(z.string().min(1)).min(1).optional().describe('Only hosts whose current asset `hw_model` is one of these (default: every host).'),
  enabled: z.boolean().default(true),
});

export type JobConfig = z.output<typeof jobConfigSchema>;

export const lifecycleConfigSchema = z
  .object({
    threshold: z.number().min(0).max(1).default(0.5).describe('Score at or above which a group is anomalous (0.5: a tail probability of 1e-5 on any series).'),
    pendingMs: ms('How long an anomaly lasts before its alert fires.', 2 * 60_000, 0),
    resolveMs: ms('How long a group stays normal before its alert resolves.', 5 * 60_000, 0),
    refreshMs: ms('How often a firing alert is sent again.', 60_000),
    flapWindowMs: ms('Window in which repeated firings make a group flapping.', 3_600_000),
    flapMaxFirings: z.number().int().min(2).default(3).describe('Firings within the window that make a group flapping.'),
    flapHoldFactor: z.number().min(1).default(4).describe('A flapping group needs this many times resolveMs of calm to resolve.'),
    keepResolvedMs: ms('How long a resolved alert stays listed.', 24 * 3_600_000),
  })
  .prefault({});

export const analysisConfigSchema = z
  .object({
    jobs: z
      .array(jobConfigSchema)
      .default(() => [jobConfigSchema.parse({ name: 'fleet' })])
      .superRefine((jobs, ctx) => {
        const seen = new Set<string>();
        jobs.forEach((j, i) => {
          if (j.name === ABSENT_JOB) ctx.addIssue({ code: 'custom', message: `job name "${ABSENT_JOB}" is reserved for absent-host alerts`, path: [i, 'name'] });
          if (seen.has(j.name)) ctx.addIssue({ code: 'custom', message: `job name "${j.name}" is used twice`, path: [i, 'name'] });
          seen.add(j.name);
          if (j.stepMs >= 60_000 && j.stepMs % 60_000 !== 0) ctx.addIssue({ code: 'custom', message: 'stepMs of 60000 or more must be whole minutes', path: [i, 'stepMs'] });
          if (j.select !== undefined) {
            try {
              parseQuery(`${j.select} last 1m`);
            } catch (err) {
              if (!(err instanceof QueryError)) throw err;
              ctx.addIssue({ code: 'custom', message: `not a selection: ${err.message}${err.hint ? ` (${err.hint})` : ''}`, path: [i, 'select'] });
            }
          }
        });
      })
      .describe('Detection jobs of the analysis role (JSON array; see docs/anomaly-detection.md).'),
    alerts: lifecycleConfigSchema,
    absent: absentConfigSchema.describe('Absent-host alerts (see docs/alerts.md, "Coverage and absent hosts").'),
    capacity: capacityConfigSchema.describe('The scheduled capacity job (see docs/capacity.md, "Capacity jobs and API").'),
  })
  .prefault({});

export type AnalysisConfig = z.output<typeof analysisConfigSchema>;
