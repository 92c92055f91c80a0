import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAuthFile } from './auth-file.ts';

// Capture files of this folder's tests, fuzz test and bench.

/** Absolute path of a file in `testdata/`. */
export const testdata = (name: string): string => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

/** The datagrams of a `.hex` capture, one per non-empty line. */
export const hexLines = (name: string): Buffer[] =>
  readFileSync(testdata(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Buffer.from(l.trim(), 'hex'));

/** Password lookup over the captures' AuthFile (users alice and bob). */
export function captureUsers(): (username: string) => string | undefined {
  const users = parseAuthFile(readFileSync(testdata('authfile'), 'utf8'));
  return (u) => users.get(u);
}
