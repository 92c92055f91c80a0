import type { FastifyInstance } from 'fastify';
import type { CollectdConfig, FormatsConfig, UdpListenerConfig } from './config.ts';
import type { IngestMetrics } from './metrics.ts';
import { createAuthFileLookup } from './parsers/collectd-binary/auth-file.ts';
import { loadTypesDb } from './parsers/collectd-common/types-db.ts';
import { collectdHttpRoutes } from './receivers/collectd-http.ts';
import type { SocketListener } from './receivers/formats.ts';
import { createGraphiteTcpListener, createGraphiteUdpListener } from './receivers/graphite.ts';
import { influxRoutes } from './receivers/influx-http.ts';
import { openTsdbRoutes } from './receivers/opentsdb-http.ts';
import { otlpRoutes } from './receivers/otlp-http.ts';
import { prometheusRemoteWriteRoutes } from './receivers/prometheus-http.ts';
import { createStatsdListener } from './receivers/statsd.ts';
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
  /** Binds the listeners; resolves with the collectd UDP ports in configuration order. */
  start(): Promise<number[]>;
  /** Ports of the other socket listeners once started: graphite_tcp, graphite_udp, statsd. */
  listeners(): Record<string, number>;
  /** Closes the listeners. */
  stop(): Promise<void>;
}

/** Builds the receivers from configuration; listens on nothing until `start`. */
export function buildReceivers(config: { collectd: CollectdConfig; formats: FormatsConfig; ingest: { bodyLimitBytes: number } }, deps: ReceiverDeps): Receivers {
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

  const { formats } = config;
  const socketDeps = { sink, metrics, log: deps.log };
  // name, listener, where it binds, and the setting that moves or turns it off (for a clear error).
  const sockets: [string, SocketListener, string, string][] = [];
  const at = (l: { host: string; port: number }) => `${l.host}:${l.port}`;
  if (formats.graphite.tcp) sockets.push(['graphite_tcp', createGraphiteTcpListener(formats.graphite.tcp, socketDeps), at(formats.graphite.tcp), 'formats.graphite.tcp']);
  if (formats.graphite.udp) sockets.push(['graphite_udp', createGraphiteUdpListener(formats.graphite.udp, socketDeps), at(formats.graphite.udp), 'formats.graphite.udp']);
  if (formats.statsd.udp) sockets.push(['statsd', createStatsdListener({ ...formats.statsd, udp: formats.statsd.udp }, socketDeps), at(formats.statsd.udp), 'formats.statsd.udp']);
  const ports: Record<string, number> = {};

  return {
    async routes(app) {
      await app.register(collectdHttpRoutes, {
        sink,
        typesDb,
        metrics,
        auth: http.user !== null && http.password !== null ? { user: http.user, password: http.password, realm: http.realm } : null,
      });
      const httpFormat = { sink, metrics, bodyLimitBytes: config.ingest.bodyLimitBytes, log: deps.log };
      if (formats.influx.enabled) await app.register(influxRoutes, httpFormat);
      if (formats.prometheus.enabled) await app.register(prometheusRemoteWriteRoutes, httpFormat);
      if (formats.opentsdb.enabled) await app.register(openTsdbRoutes, httpFormat);
      if (formats.otlp.enabled) await app.register(otlpRoutes, httpFormat);
    },
    async start() {
      const udp = await Promise.all(receivers.map((r) => r.start()));
      for (const [name, l, where, setting] of sockets) {
        try {
          ports[name] = await l.start();
        } catch (err) {
          const env = `FLEETSCOPE_${setting.toUpperCase().replaceAll('.', '_')}_PORT`;
          throw new Error(`cannot listen for ${name} on ${where}: ${(err as Error).message}; move it with ${setting}.port (${env}) or turn it off with ${setting}: null`, { cause: err });
        }
      }
      return udp;
    },
    listeners: () => ({ ...ports }),
    async stop() {
      await Promise.all([...receivers.map((r) => r.stop()), ...sockets.map(([, l]) => l.stop())]);
    },
  };
}
