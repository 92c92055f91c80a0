import type { BackoffOptions } from '../backoff.ts';
import type { FeedConfig } from '../config.ts';
import { createAlertmanagerFeed } from './alertmanager.ts';
import type { Feed } from './feed.ts';
import { createWebhookFeed } from './webhook.ts';

/** A feed with the settings its delivery loop needs. */
export interface FeedSetup {
  readonly feed: Feed;
  readonly batchSize: number;
  readonly backoff: BackoffOptions;
}

/** Builds the feed a configuration entry describes. */
export function createFeed(config: FeedConfig): FeedSetup {
  const common = { name: config.name, timeoutMs: config.timeoutMs, basicAuth: config.basicAuth, bearerToken: config.bearerToken };
  const feed =
    config.type === 'alertmanager'
      ? createAlertmanagerFeed({ ...common, urls: config.urls, resendIntervalMs: config.resendIntervalMs })
      : createWebhookFeed({ ...common, url: config.url, secret: config.secret });
  return { feed, batchSize: config.batchSize, backoff: { initialMs: config.backoffInitialMs, maxMs: config.backoffMaxMs } };
}
