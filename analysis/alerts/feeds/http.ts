// One HTTP POST of a feed, and how its answer is read: delivered, try again later, or refused for good.

/** Credentials of a feed: basic auth or a bearer token, or none. */
export interface HttpAuth {
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly bearerToken?: string;
}

/** What became of one POST. `reason` is for logs: it never contains credentials. */
export type PostOutcome =
  | { readonly kind: 'ok'; readonly status: number }
  | { readonly kind: 'retry'; readonly status?: number; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'reject'; readonly status: number; readonly reason: string };

/**
 * How an HTTP status is treated: 2xx delivered; 408, 429 and 5xx retried (the receiver may take it
 * later); every other 4xx refused for good (the same request will never succeed). 1xx and 3xx are
 * retried: a redirect means the feed's URL is wrong, which an operator fixes without losing entries.
 */
export function classifyStatus(status: number): PostOutcome['kind'] {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'reject';
  return 'retry';
}

/**
 * Milliseconds a `Retry-After` header asks to wait (delta-seconds or an HTTP date), or undefined.
 * See RFC 9110 §10.2.3.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v)) return undefined; // IMF-fixdate only
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** `url` without user:password@ and the Authorization header value they stand for, if any. */
export function splitCredentials(url: string): { url: string; authorization?: string } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { url };
  const authorization = basicAuthorization(decodeURIComponent(u.username), decodeURIComponent(u.password));
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization };
}

/** The `Authorization` header of `auth`, if any. */
export function authorizationHeader(auth: HttpAuth): string | undefined {
  if (auth.basicAuth) return basicAuthorization(auth.basicAuth.username, auth.basicAuth.password);
  if (auth.bearerToken !== undefined) return `Bearer ${auth.bearerToken}`;
  return undefined;
}

function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * POSTs `body` (JSON text) to `url` with `headers` and resolves with the outcome; never rejects.
 * Redirects are not followed (they would turn the POST into a GET).
 */
export async function postJson(url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<PostOutcome> {
  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'fleetscope', ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { kind: 'retry', reason: `cannot POST to ${url}: ${why}` };
  }
  const text = await readSome(res, 4096);
  const excerpt = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  const kind = classifyStatus(res.status);
  if (kind === 'ok') return { kind, status: res.status };
  const reason = `cannot POST to ${url}: HTTP ${res.status}${excerpt ? ` ${excerpt.trim()}` : ''}`;
  if (kind === 'reject') return { kind, status: res.status, reason };
  return { kind, status: res.status, reason, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), started) };
}

/** The first `max` bytes of the answer's body as text (the rest is discarded unread), '' on error. */
async function readSome(res: Response, max: number): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a receiver that hangs up mid-answer: keep what came
  } finally {
    void reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
