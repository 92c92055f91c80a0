import type { FastifyInstance } from 'fastify';
import type { Storage } from '../lib/clickhouse/client.ts';
import type { StorageConfig } from '../lib/clickhouse/config.ts';
import type { Registry } from '../lib/metrics.ts';
import type { CollectdConfig, IngestConfig, UdpListenerConfig } from './config.ts';
import { createIngestMetrics } from './metrics.ts';
import { createAuthFileLookup } from './parsers/collectd-binary/auth-file.ts';
import { loadTypesDb } from './parsers/collectd-common/types-db.ts';
import { collectdHttpRoutes } from './receivers/collectd-http.ts';
import { createCollectdPacketHandler } from './receivers/collectd-udp.ts';
import { createUdpReceiver, type UdpReceiver } from './receivers/udp.ts';
import { createClickHouseWriter, type ClickHouseWriter } from './writer/clickhouse-writer.ts';

/** What {@link buildIngest} needs from the process. */
export interface IngestDeps {
  readonly storage: Storage;
  readonly registry: Registry;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** The ingest side of a process: HTTP routes to register, UDP listeners, and the writer. */
export interface Ingest {
  readonly writer: ClickHouseWriter;
  /** Registers the HTTP receivers (as an encapsulated plugin). */
  routes(app: FastifyInstance): Promise<void>;
  /** Binds the UDP listeners; resolves with their ports in configuration order. */
  start(): Promise<number[]>;
  /** Closes the listeners, then flushes everything accepted. */
  stop(): Promise<void>;
}

/** Builds the receivers and the writer from configuration; listens on nothing until `start`. */
export function buildIngest(config: { ingest: IngestConfig; collectd: CollectdConfig; storage: StorageConfig }, deps: IngestDeps): Ingest {
  const metrics = createIngestMetrics(deps.registry);
  const typesDb = loadTypesDb(config.collectd.typesDb);
  const writer = createClickHouseWriter({
    storage: deps.storage,
    metrics,
    batchRows: config.ingest.batchRows,
    flushIntervalMs: config.ingest.flushIntervalMs,
    maxPendingRows: config.ingest.maxPendingRows,
    insertRetries: config.ingest.insertRetries,
    seriesCacheSize: config.ingest.seriesCacheSize,
    samplesDays: config.storage.retention.samplesDays,
    maxFutureSeconds: config.storage.maxFutureSeconds,
    log: deps.log,
  });
  deps.registry.collect('fleetscope_ingest_cached_series', 'Series whose identity and last value are kept in memory.', () => [[{}, writer.cachedSeries()]]);

  const http = config.collectd.http;
  const listeners: UdpListenerConfig[] = [...(config.collectd.udp ? [config.collectd.udp] : []), ...config.collectd.extraUdp];
  const receivers: UdpReceiver[] = listeners.map((l) => {
    if (l.securityLevel !== 'none' && !l.authFile) {
      throw new Error(`cannot listen for collectd data on ${l.host}:${l.port} at security level ${l.securityLevel}: an authFile is required`);
    }
    const handler = createCollectdPacketHandler({
      sink: writer,
      typesDb,
      metrics,
      securityLevel: l.securityLevel,
      lookupUser: l.authFile ? createAuthFileLookup(l.authFile) : undefined,
      listener: `${l.host}:${l.port}`,
      log: deps.log,
    });
    return createUdpReceiver({ host: l.host, port: l.port }, handler);
  });

  return {
    writer,
    async routes(app) {
      await app.register(collectdHttpRoutes, {
        sink: writer,
        typesDb,
        metrics,
        auth: http.user !== null && http.password !== null ? { user: http.user, password: http.password, realm: http.realm } : null,
      });
    },
    start: () => Promise.all(receivers.map((r) => r.start())),
    async stop() {
      await Promise.all(receivers.map((r) => r.stop()));
      await writer.stop();
    },
  };
}
