// Configuration of absent-host detection (`analysis.absent`): when a host that stopped sending becomes
// an alert, and which asset statuses silence it instead.
import { z } from 'zod';

/** Asset statuses under which a host is expected to be quiet: it is never alerted as absent. */
export const DEFAULT_SILENCED_STATUSES = ['decommissioned', 'decommissioning', 'maintenance', 'offline', 'planned'];

export const absentConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Run the absent-host job in the analysis role (alert FleetscopeHostAbsent).'),
    everyMs: z.number().int().min(1000).default(30_000).describe('How often hosts are checked, ms.'),
    intervals: z.number().min(1).default(5).describe('A host is absent after this many of its own collection intervals without data (the smallest interval_ms of its series)…'),
    minSilenceMs: z.number().int().min(0).default(60_000).describe('…and never before this long without data, ms (also the limit for series without an interval).'),
    severity: z.string().min(1).default('critical').describe('`severity` label of absent alerts.'),
    silencedStatuses: z
      .array(z.string())
      .default(() => [...DEFAULT_SILENCED_STATUSES])
      .describe('Asset statuses that silence a host instead of alerting (see docs/alerts.md, "Coverage and absent hosts").'),
  })
  .prefault({});

export type AbsentConfig = z.output<typeof absentConfigSchema>;
