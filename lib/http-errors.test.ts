import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HTTP_ERRORS } from './http-errors.ts';

describe('HTTP error catalogue', () => {
  const doc = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');
  it.each(Object.keys(HTTP_ERRORS))('%s is documented in docs/api.md', (code) => {
    expect(doc).toContain(`\`${code}\``);
  });
});
