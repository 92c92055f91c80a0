import type { FastifyInstance } from 'fastify';
import type { CollectdConfig, UdpListenerConfig } from './config.ts';
import type { IngestMetrics } from './metrics.ts';
import { createAuthFileLookup } from './parsers/collectd-binary/auth-file.ts';
import { loadTypesDb } from './parsers/collectd-common/types-db.ts';
import { collectdHttpRoutes } from './receivers/collectd-http.ts';
import { createCollectdPacketHandler } from './receivers/collectd-udp.ts';
import { createUdpReceiver, type UdpReceiver } from './receivers/udp.ts';
import type { RecordSink } from './writer/sink.ts';

/** What {@link buildReceivers} needs from the process. */
export interface ReceiverDeps {
  /** Where receivers hand parsed records: the embedded writer, or the Kafka producer. */
  readonly sink: RecordSink;
  readonly metrics: IngestMetrics;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** The receivers of a process: HTTP routes to register, and UDP listeners. */
export interface Receivers {
  /** Registers the HTTP receivers (as an encapsulated plugin). */
  routes(app: FastifyInstance): Promise<void>;
  /** Binds the UDP listeners; resolves with their ports in configuration order. */
  start(): Promise<number[]>;
  /** Closes the listeners. */
  stop(): Promise<void>;
}

/** Builds the receivers from configuration; listens on nothing until `start`. */
export function buildReceivers(config: { collectd: CollectdConfig }, deps: ReceiverDeps): Receivers {
  const { metrics, sink } = deps;
  const typesDb = loadTypesDb(config.collectd.typesDb);
  const http = config.collectd.http;
  const listeners: UdpListenerConfig[] = [...(config.collectd.udp ? [config.collectd.udp] : []), ...config.collectd.extraUdp];
  const receivers: UdpReceiver[] = listeners.map((l) => {
    if (l.securityLevel !== 'none' && !l.authFile) {
      throw new Error(`cannot listen for collectd data on ${l.host}:${l.port} at security level ${l.securityLevel}: an authFile is required`);
    }
    const handler = createCollectdPacketHandler({
      sink,
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
    async routes(app) {
      await app.register(collectdHttpRoutes, {
        sink,
        typesDb,
        metrics,
        auth: http.user !== null && http.password !== null ? { user: http.user, password: http.password, realm: http.realm } : null,
      });
    },
    start: () => Promise.all(receivers.map((r) => r.start())),
    async stop() {
      await Promise.all(receivers.map((r) => r.stop()));
    },
  };
}
