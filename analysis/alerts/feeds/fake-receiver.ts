// A scriptable HTTP receiver on 127.0.0.1 for tests of the feeds: records every request and answers
// what the test says (a status, or dropping the connection).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as received. `body` is the raw text, exactly as signed by the sender. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** What the receiver answered: a status, or 'drop' when it closed the connection. */
  readonly answer: number | 'drop';
}

/** What to answer a request: a status with optional headers, or 'drop' (close the socket, no answer). */
export type Answer = number | 'drop' | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string };

export interface FakeReceiver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Changes how later requests are answered. */
  respond(answer: (req: { path: string; headers: IncomingHttpHeaders; body: string; index: number }) => Answer): void;
  close(): Promise<void>;
}

/** Starts a receiver that answers 200 until told otherwise. */
export async function startFakeReceiver(): Promise<FakeReceiver> {
  const requests: ReceivedRequest[] = [];
  let answerFor: Parameters<FakeReceiver['respond']>[0] = () => 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const a = answerFor({ path, headers: req.headers, body, index: requests.length });
      if (a === 'drop') {
        requests.push({ method: req.method ?? '', path, headers: req.headers, body, answer: 'drop' });
        req.socket.destroy();
        return;
      }
      const { status, headers, body: text } = typeof a === 'number' ? { status: a, headers: undefined, body: undefined } : a;
      requests.push({ method: req.method ?? '', path, headers: req.headers, body, answer: status });
      res.writeHead(status, headers);
      res.end(text ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (f) => void (answerFor = f),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
