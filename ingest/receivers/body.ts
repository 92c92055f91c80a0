// Request bodies of the push formats: read as bytes, decompressed by their Content-Encoding (gzip and
// deflate here; a format with its own compression, such as remote write's snappy, decodes it itself),
// never beyond a size limit, so a small compressed body cannot fill the memory.
import { gunzipSync, inflateSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../lib/http-errors.ts';

/** Makes the routes of an encapsulated plugin receive every body as a Buffer, whatever its type. */
export function rawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

/** The body's bytes after its Content-Encoding; 415 for an encoding not known, 413 beyond `maxBytes`. */
export function decodeBody(body: unknown, encoding: string | string[] | undefined, maxBytes: number): Buffer {
  const buf = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : Buffer.alloc(0);
  const enc = String(encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return buf;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(buf, { maxOutputLength: maxBytes });
    if (enc === 'deflate') return inflateSync(buf, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError('INGEST_ERR_BODY_TOO_LARGE', `cannot accept a body that decompresses to over ${maxBytes} bytes (ingest.bodyLimitBytes)`);
    }
    throw new HttpError('INGEST_ERR_ENCODING', `cannot decompress the ${enc} body: ${(err as Error).message}`, { encoding: enc });
  }
  throw new HttpError('INGEST_ERR_ENCODING', `cannot read a body with Content-Encoding "${enc}": send it plain, gzip or deflate`, { encoding: enc });
}
