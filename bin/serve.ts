import fastifyCompress from '@fastify/compress';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { openStorage, type Storage } from '../lib/clickhouse/client.ts';
import { migrate } from '../lib/clickhouse/migrate.ts';
import { errorBody, HttpError } from '../lib/http-errors.ts';
import type { KafkaClient } from '../lib/kafka/client.ts';
import { brokerList } from '../lib/kafka/config.ts';
import { createKafkajsClient } from '../lib/kafka/kafkajs.ts';
import { createRegistry } from '../lib/metrics.ts';
import { uiRoutes } from '../lib/ui-static.ts';
import { buildReceivers, type Receivers } from '../ingest/app.ts';
import { createIngestMetrics } from '../ingest/metrics.ts';
import { buildPipeline, type Pipeline } from '../ingest/pipeline.ts';
import { readApiRoutes } from '../query/read-api.ts';
import { overviewApiRoutes } from '../query/overview-api.ts';
import { distributionApiRoutes } from '../query/distribution-api.ts';
import { dashboardApiRoutes } from '../query/dashboards-api.ts';
import { assetApiRoutes } from '../query/assets-api.ts';
import { queryApiRoutes } from '../query/query-api.ts';
import { analysisApiRoutes } from '../analysis/api.ts';
import { bandApiRoutes } from '../analysis/band-api.ts';
import { attributionApiRoutes } from '../analysis/changes/attribution-api.ts';
import { capacityApiRoutes } from '../analysis/capacity/api.ts';
import { coverageApiRoutes } from '../analysis/coverage/api.ts';
import { silenceApiRoutes } from '../analysis/silences/api.ts';
import { changeApiRoutes } from '../analysis/changes/api.ts';
import { createAnalysisService, type AnalysisService } from '../analysis/service.ts';
import type { Config } from './config.ts';
import { checkRoles, type Role } from './roles.ts';

/** A running fleetscope: the HTTP server and whatever its roles need (receivers, pipeline, storage). */
export interface Server {
  readonly app: FastifyInstance;
  readonly roles: ReadonlySet<Role>;
  /** Undefined for a process that only runs the ingest role over Kafka. */
  readonly storage: Storage | undefined;
  readonly pipeline: Pipeline;
  /** Listens; resolves with the HTTP address and the UDP ports. */
  start(): Promise<{ http: string; udp: number[]; listeners: Record<string, number> }>;
  /** Graceful shutdown: stop listening, hand over or store everything accepted, close storage. */
  stop(): Promise<void>;
}

/**
 * Builds a fleetscope process from configuration and its roles. Without Kafka, receivers and writer run
 * together on the in-process queue (embedded mode); with `KAFKA_BROKERS`, each role runs on its own.
 */
export async function buildServer(config: Config, log: Logger, roles: ReadonlySet<Role>): Promise<Server> {
  const brokers = brokerList(config.kafka);
  checkRoles(roles, brokers.length > 0);
  const ingestRole = roles.has('ingest');
  const readRole = roles.has('analysis') || roles.has('dashboards');
  const needsStorage = roles.has('writer') || readRole || (ingestRole && brokers.length === 0);

  let storage: Storage | undefined;
  if (needsStorage) {
    storage = await openStorage(config.storage);
    const applied = await migrate(storage, config.storage);
    log.info({ mode: storage.mode, database: storage.database, migrationsApplied: applied }, 'storage ready');
  }
  let kafka: KafkaClient | undefined;
  if (brokers.length > 0 && (ingestRole || roles.has('writer'))) {
    kafka = createKafkajsClient({ brokers, clientId: config.kafka.clientId, log });
  }

  const registry = createRegistry();
  const metrics = createIngestMetrics(registry);
  let pipeline: Pipeline;
  try {
    pipeline = await buildPipeline(config, { ingest: ingestRole, writer: roles.has('writer') }, { storage, kafka, registry, metrics, log });
  } catch (err) {
    await kafka?.close();
    await storage?.close();
    if (kafka) throw new Error(`cannot reach Kafka at ${brokers.join(',')}: ${(err as Error).message}`, { cause: err });
    throw err;
  }
  const receivers: Receivers | undefined = ingestRole && pipeline.sink ? buildReceivers(config, { sink: pipeline.sink, metrics, log }) : undefined;
  const app: FastifyInstance = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: config.ingest.bodyLimitBytes });

  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send(errorBody(err.code, err.message, err.where));
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send(errorBody('INGEST_ERR_BODY_TOO_LARGE', `cannot accept a body over ${config.ingest.bodyLimitBytes} bytes (ingest.bodyLimitBytes)`));
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(errorBody('API_ERR_BAD_PARAM', err.message));
    }
    const code = (err as { code?: unknown }).code;
    const storageFailed = typeof code === 'string' && /^\d+$/.test(code);
    req.log.error({ err }, 'request failed');
    if (storageFailed || /chdb|clickhouse/i.test(err.message)) return reply.code(503).send(errorBody('API_ERR_STORAGE', `cannot read from storage: ${err.message}`));
    return reply.code(500).send(errorBody('API_ERR_INTERNAL', `cannot complete the request: ${err.message}`));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('API_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));

  // Chart data is JSON of a few hundred KB; gzip makes it several times smaller on the wire.
  await app.register(fastifyCompress, { global: true, encodings: ['gzip', 'deflate'], threshold: 2048, globalDecompression: false });
  if (receivers) await receivers.routes(app);
  if (roles.has('dashboards')) await app.register(uiRoutes);
  if (readRole && storage) {
    await app.register(readApiRoutes, {
      storage,
      samplesDays: config.storage.retention.samplesDays,
      rollup1mDays: config.storage.retention.rollup1mDays,
    });
    await app.register(overviewApiRoutes, { storage });
    await app.register(distributionApiRoutes, { storage });
    await app.register(dashboardApiRoutes, { storage });
    await app.register(assetApiRoutes, { storage });
    await app.register(changeApiRoutes, { storage });
    const { maxLiveQueries, ...limits } = config.query;
    await app.register(queryApiRoutes, { storage, samplesDays: config.storage.retention.samplesDays, limits, maxLiveQueries });
  }
  // The analysis role runs the detection jobs and delivers alerts; any process that reads serves their results.
  const analysis: AnalysisService | undefined =
    roles.has('analysis') && storage ? createAnalysisService({ storage, config: config.analysis, feeds: config.alerting, registry, log }) : undefined;
  if (readRole && storage) {
    await app.register(analysisApiRoutes, { storage, jobs: () => analysis?.jobs.map((j) => j.status()) ?? [] });
    await app.register(bandApiRoutes, { storage, jobs: config.analysis.jobs });
    await app.register(attributionApiRoutes, { storage });
    await app.register(silenceApiRoutes, { storage });
    await app.register(coverageApiRoutes, { storage, jobs: config.analysis.jobs, absent: config.analysis.absent });
    const capacityJob = analysis?.capacity;
    await app.register(capacityApiRoutes, { storage, config: config.analysis.capacity, ...(capacityJob ? { compute: () => capacityJob.runOnce() } : {}) });
  }
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(registry.render()));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const storageOk = storage ? await storage.ping() : undefined;
    const parts = pipeline.health();
    const ok = storageOk !== false && Object.values(parts).every((p) => p.ok);
    const pendingRows = Object.values(parts).reduce((n, p) => n + p.pendingRows, 0);
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ready' : 'not ready',
      roles: [...roles],
      ...(storageOk === undefined ? {} : { storage: storageOk }),
      ...Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.ok])),
      pendingRows,
    });
  });

  let stopped = false;
  return {
    app,
    roles,
    storage,
    pipeline,
    async start() {
      await pipeline.start();
      const http = await app.listen({ host: config.http.host, port: config.http.port });
      const udp = receivers ? await receivers.start() : [];
      const listeners = receivers ? receivers.listeners() : {};
      analysis?.start();
      return { http, udp, listeners };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await receivers?.stop();
      await analysis?.stop();
      await pipeline.stop();
      await kafka?.close();
      await storage?.close();
    },
  };
}
