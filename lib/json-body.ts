// A route plugin's own JSON body parser, so that a body that is not JSON gets that API's error code
// (ASSET_ERR_…, CHANGE_ERR_…) instead of fastify's generic one. Applies inside the plugin only.
import type { FastifyInstance } from 'fastify';

/** Parses `application/json` bodies (an empty body is undefined); `invalid` makes the error for bad JSON. */
export function ownJsonParser(app: FastifyInstance, invalid: (message: string) => Error, opts: { bodyLimit?: number } = {}): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}) }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch (err) {
      done(invalid(`cannot parse the body as JSON: ${(err as Error).message}`), undefined);
    }
  });
}
