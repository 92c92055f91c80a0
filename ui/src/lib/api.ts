// Talks to the fleetscope HTTP API. Errors come back as ApiError with the server's code, message and
// `where` (the parameter, field or query position at fault).

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly where?: Record<string, unknown>,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

/** `path?params`; arrays repeat the parameter, undefined and null are left out. */
export function url(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, String(x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function send<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      signal,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', `cannot reach fleetscope: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, 'BAD_RESPONSE', `${method} ${path} answered ${res.status} with something other than JSON`);
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; where?: Record<string, unknown> } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? `${method} ${path} failed with ${res.status}`, e?.where, json);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, params?: Params, signal?: AbortSignal) => send<T>('GET', url(path, params), undefined, signal),
  post: <T>(path: string, body: unknown, signal?: AbortSignal) => send<T>('POST', path, body, signal),
  put: <T>(path: string, body: unknown) => send<T>('PUT', path, body),
  del: <T>(path: string) => send<T>('DELETE', path),
};
