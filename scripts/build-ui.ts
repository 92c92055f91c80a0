// Builds the dashboards (ui/) into dist/ui with Vite. With --if-stale, does nothing when dist/ui is
// newer than every source file, so `npm start` only pays for a build after a change.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '..');
const ui = join(root, 'ui');
const out = join(root, 'dist/ui/index.html');

function newest(dir: string): number {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

const stale = !existsSync(out) || statSync(out).mtimeMs < Math.max(newest(ui), statSync(join(root, 'package-lock.json')).mtimeMs);
if (process.argv.includes('--if-stale') && !stale) process.exit(0);
const started = Date.now();
await build({ configFile: join(ui, 'vite.config.ts') });
console.error(`dashboards built into dist/ui in ${Date.now() - started} ms`);
