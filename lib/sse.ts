// Server-sent-event streams for fastify routes: the stream, a tick that never overlaps itself, a
// keep-alive comment, and an end when the client leaves or the server closes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  send(event: string, data: unknown): void;
  readonly closed: boolean;
}

export interface StreamOptions {
  /** How often `tick` runs, ms. */
  readonly everyMs: number;
  /** Work of one tick; a tick still running when the next is due makes that one skip. */
  readonly tick: (s: EventStream) => Promise<void>;
  /** Called once when the stream ends. */
  readonly onEnd?: () => void;
}

const KEEP_ALIVE_MS = 15_000;

/** Returns a function that turns a request into an event stream; every stream ends when `app` closes. */
export function eventStreams(app: FastifyInstance): (req: FastifyRequest, reply: FastifyReply, opts: StreamOptions) => EventStream {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  return (req, reply, opts) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let closed = false;
    let busy = false;
    const stream: EventStream = {
      send: (event, data) => {
        if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
      get closed() {
        return closed;
      },
    };
    const timer = setInterval(() => {
      if (closed || busy) return;
      busy = true;
      void opts.tick(stream).finally(() => {
        busy = false;
      });
    }, opts.everyMs);
    const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const end = () => {
      if (closed) return;
      closed = true;
      open.delete(end);
      clearInterval(timer);
      clearInterval(heartbeat);
      res.end();
      opts.onEnd?.();
    };
    open.add(end);
    req.raw.on('close', end);
    return stream;
  };
}
