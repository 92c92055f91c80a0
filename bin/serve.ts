import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { openStorage, type Storage } from '../lib/clickhouse/client.ts';
import { migrate } from '../lib/clickhouse/migrate.ts';
import { errorBody, HttpError } from '../lib/http-errors.ts';
import { createRegistry } from '../lib/metrics.ts';
import { buildIngest, type Ingest } from '../ingest/app.ts';
import { readApiRoutes } from '../query/read-api.ts';
import type { Config } from './config.ts';

/** A running fleetscope: the HTTP server, the UDP listeners and storage. */
export interface Server {
  readonly app: FastifyInstance;
  readonly storage: Storage;
  readonly ingest: Ingest;
  /** Listens; resolves with the HTTP address and the UDP ports. */
  start(): Promise<{ http: string; udp: number[] }>;
  /** Graceful shutdown: stop listening, store everything accepted, close storage. */
  stop(): Promise<void>;
}

/** Builds the whole service from configuration (embedded mode: one process owns the data). */
export async function buildServer(config: Config, log: Logger): Promise<Server> {
  const storage = await openStorage(config.storage);
  const applied = await migrate(storage, config.storage);
  log.info({ mode: storage.mode, database: storage.database, migrationsApplied: applied }, 'storage ready');

  const registry = createRegistry();
  const ingest = buildIngest(config, { storage, registry, log });
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

  await ingest.routes(app);
  await app.register(readApiRoutes, {
    storage,
    samplesDays: config.storage.retention.samplesDays,
    rollup1mDays: config.storage.retention.rollup1mDays,
  });
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(registry.render()));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const storageOk = await storage.ping();
    const writerOk = ingest.writer.healthy();
    const ok = storageOk && writerOk;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', storage: storageOk, writer: writerOk, pendingRows: ingest.writer.pendingRows() });
  });

  let stopped = false;
  return {
    app,
    storage,
    ingest,
    async start() {
      const http = await app.listen({ host: config.http.host, port: config.http.port });
      const udp = await ingest.start();
      return { http, udp };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await ingest.stop();
      await storage.close();
    },
  };
}
