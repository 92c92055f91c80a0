// Serves the dashboards built into dist/ui: hashed assets cached for a year, index.html never cached,
// and every page path of the UI answered with index.html so shared links open the right page.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './http-errors.ts';

export const UI_DIR = resolve(import.meta.dirname, '../dist/ui');

/** Paths the UI's router knows; keep in step with ui/src/pages/index.ts. */
const PAGE_PATHS = ['/', '/explore', '/hosts/*', '/compare', '/anomalies', '/coverage', '/capacity', '/console', '/dashboards', '/dashboards/*', '/bench/chart'];

export async function uiRoutes(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? UI_DIR;
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ dir }, 'dashboards are not built: run npm run build:ui');
    for (const path of PAGE_PATHS) {
      app.get(path, async (_req, reply) =>
        reply.code(503).send(errorBody('UI_ERR_NOT_BUILT', `the dashboards are not built in ${dir}: run npm run build:ui (npm start does it)`)),
      );
    }
    return;
  }
  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    decorateReply: false,
  });
  let html = readFileSync(indexFile);
  let mtime = statSync(indexFile).mtimeMs;
  const page = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    // A rebuild while the server runs (npm run build:ui) is picked up without a restart.
    const m = statSync(indexFile).mtimeMs;
    if (m !== mtime) {
      html = readFileSync(indexFile);
      mtime = m;
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };
  for (const path of PAGE_PATHS) app.get(path, page);
}
