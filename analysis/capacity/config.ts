// Configuration of the scheduled capacity job (`analysis.capacity`): what it reads and how it judges it.
import { z } from 'zod';
import { ASSET_FIELDS, type AssetField } from '../../query/assets-schema.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

const numericAssetFields = (Object.keys(ASSET_FIELDS) as AssetField[]).filter((f) => ASSET_FIELDS[f].type === 'number') as [AssetField, ...AssetField[]];

export const capacityConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Run the capacity job in the analysis role.'),
    everyMs: z.number().int().min(60_000).default(HOUR).describe('How often a snapshot is computed and stored, ms.'),
    windowMs: z.number().int().min(HOUR).default(30 * DAY).describe('Data the models read, ms back from the run.'),
    stepMs: z
      .union([z.literal(HOUR), z.literal(DAY)])
      .default(HOUR)
      .describe('Resolution read: 3600000 (the 1-hour rollup) or 86400000 (the 1-day rollup).'),
    level: z.number().gt(0).lt(1).default(0.95).describe('Confidence level of the days-to-full ranges.'),
    disks: z
      .object({
        metric: z.string().min(1).default('df.df_complex').describe('Gauge of used space.'),
        labels: z.record(z.string(), z.string()).default({ type_instance: 'used' }).describe('Labels the series must have.'),
        capacityField: z.enum(numericAssetFields).default('disk_capacity_bytes').describe('Asset field with the capacity.'),
        resource: z.string().default('disk').describe('What runs out, as shown on the report.'),
        unit: z.string().default('bytes'),
      })
      .prefault({}),
    forecast: z
      .object({
        horizonMs: z.number().int().min(HOUR).default(7 * DAY).describe('How far forecasts reach, ms.'),
        level: z.number().gt(0).lt(1).default(0.8).describe('Level of the forecast band.'),
        topDisks: z.number().int().min(0).default(5).describe('Forecast the used space of this many disks that fill soonest.'),
      })
      .prefault({}),
    load: z
      .object({
        metric: z.string().min(1).default('http.requests').describe('Load per host: a counter (its rate is read) or a gauge.'),
        unit: z.string().default('req/s'),
        latencyMetric: z
          .string()
          .min(1)
          .nullable()
          .default('http.response_time_ms')
          .describe('Mean response time per host; with the load it gives concurrency by Little\'s law for the USL fit. null: no fit.'),
        latencyToSeconds: z.number().positive().default(0.001).describe('Multiplier from the latency metric\'s unit to seconds.'),
        target: z
          .discriminatedUnion('kind', [
            z.object({ kind: z.literal('latency'), maxLatencySeconds: z.number().positive() }),
            z.object({ kind: z.literal('peak-fraction'), fraction: z.number().gt(0).max(1) }),
          ])
          .default({ kind: 'peak-fraction', fraction: 0.7 })
          .describe('Where per-host capacity is read on the fitted curve.'),
        minConcurrencyRatio: z.number().min(1).default(2).describe('Fit only when per-host concurrency spans at least this ratio (max/min).'),
        perModelCapacity: z
          .record(z.string(), z.number().positive())
          .default({})
          .describe('Per-host capacity by hw_model, in the load unit; wins over the fit (e.g. from a load test).'),
        peakQuantile: z.number().gt(0).max(1).default(0.95).describe('Peak load of a group: this quantile of its total load per step over the window.'),
        targetUtilisation: z.number().gt(0).max(1).default(1).describe('Ceiling on each host\'s use of its per-host capacity.'),
        spares: z.number().int().min(0).default(1).describe('Hosts of each site × model group held in reserve (N+spares).'),
      })
      .prefault({}),
  })
  .prefault({});

/** The resolved capacity configuration. */
export type CapacityConfig = z.output<typeof capacityConfigSchema>;
