// Configuration of the alert feeds: where alert events go (Alertmanager, signed webhooks) and how
// their delivery retries. Mounted into the main configuration as `alerts.feeds` (see docs/alerts.md).
import { z } from 'zod';

const ms = (what: string, def: number, min = 1) => z.number().int().min(min).default(def).describe(what);

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL')
  .describe('URL; user:password@ in it is sent as basic auth.');

const basicAuthSchema = z.object({
  username: z.string().min(1).describe('Basic auth user.'),
  password: z.string().describe('Basic auth password.'),
});

/** Settings every feed has. */
const commonFeedFields = {
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _')
    .describe('Name of the feed: its key in the outbox and the `feed` label of its metrics. Renaming a feed abandons its pending entries.'),
  timeoutMs: ms('Time one HTTP request may take, connection included.', 10_000, 100),
  batchSize: z.number().int().min(1).max(1000).default(100).describe('Outbox entries read and sent per round.'),
  backoffInitialMs: ms('Wait after the first failed round; it doubles with each failure in a row.', 1_000, 10),
  backoffMaxMs: ms('Longest wait between failed rounds (Retry-After is honoured up to this).', 300_000, 10),
  basicAuth: basicAuthSchema.optional().describe('Basic auth sent with every request: {username, password}.'),
  bearerToken: z.string().min(1).optional().describe('Sent as `Authorization: Bearer <token>`.'),
};

/** A feed to Prometheus Alertmanagers (API v2). */
export const alertmanagerFeedSchema = z
  .object({
    type: z.literal('alertmanager'),
    ...commonFeedFields,
    urls: z
      .array(httpUrl)
      .min(1)
      .describe('Base URLs of the Alertmanagers (without /api/v2/alerts). Each gets every alert, as Prometheus does; an entry counts as delivered once one of them took it.'),
    resendIntervalMs: ms(
      'How often firing alerts are sent again (set it to the lifecycle refresh interval). Firing alerts carry endsAt = now + 4 × this, so Alertmanager resolves them by itself if fleetscope stops sending.',
      60_000,
      1_000,
    ),
  })
  .refine((f) => !(f.basicAuth && f.bearerToken), { message: 'set basicAuth or bearerToken, not both', path: ['bearerToken'] });

/** A feed to one HTTP endpoint: one signed JSON POST per event. */
export const webhookFeedSchema = z
  .object({
    type: z.literal('webhook'),
    ...commonFeedFields,
    url: httpUrl.describe('URL that receives one POST per alert event.'),
    secret: z
      .string()
      .min(16, 'at least 16 characters')
      .describe('Key of the HMAC-SHA-256 signature in X-Fleetscope-Signature; share it with the receiver.'),
  })
  .refine((f) => !(f.basicAuth && f.bearerToken), { message: 'set basicAuth or bearerToken, not both', path: ['bearerToken'] });

/** One entry of `feeds`, told apart by `type`. */
export const feedConfigSchema = z.discriminatedUnion('type', [alertmanagerFeedSchema, webhookFeedSchema]);

/** The alert feeds section: the feeds and how often idle delivery loops look for work. */
export const alertFeedsConfigSchema = z
  .object({
    feeds: z
      .array(feedConfigSchema)
      .default([])
      .superRefine((feeds, ctx) => {
        const seen = new Set<string>();
        feeds.forEach((f, i) => {
          if (seen.has(f.name)) ctx.addIssue({ code: 'custom', message: `feed name "${f.name}" is used twice`, path: [i, 'name'] });
          seen.add(f.name);
          if (f.backoffMaxMs < f.backoffInitialMs) ctx.addIssue({ code: 'custom', message: 'backoffMaxMs must be at least backoffInitialMs', path: [i, 'backoffMaxMs'] });
        });
      })
      .describe('Where alert events are delivered (JSON array; see docs/alerts.md).'),
    pollIntervalMs: ms('How often each feed looks for entries it was not told about (events added by another process).', 5_000, 100),
  })
  .prefault({});

export type AlertmanagerFeedConfig = z.output<typeof alertmanagerFeedSchema>;
export type WebhookFeedConfig = z.output<typeof webhookFeedSchema>;
export type FeedConfig = z.output<typeof feedConfigSchema>;
export type AlertFeedsConfig = z.output<typeof alertFeedsConfigSchema>;
/** What a configuration file may say: defaults not yet filled in. */
export type AlertFeedsConfigInput = z.input<typeof alertFeedsConfigSchema>;
