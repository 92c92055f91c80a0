import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthFileLookup, parseAuthFile } from './auth-file.ts';

describe('parseAuthFile: success cases', () => {
  it.each([
    ['two users', 'alice: s3cret-sign\nbob: s3cret-encrypt\n', [['alice', 's3cret-sign'], ['bob', 's3cret-encrypt']]],
    ['no newline at the end', 'alice: pw', [['alice', 'pw']]],
    ['no space after the colon', 'alice:pw\n', [['alice', 'pw']]],
    ['leading white space of the line skipped (C isspace)', ' \t\v\f\ralice: pw\n', [['alice', 'pw']]],
    ['spaces before the colon belong to the name', 'alice : pw\n', [['alice ', 'pw']]],
    ['leading white space of the password dropped, trailing kept', 'alice: \t pw  \n', [['alice', 'pw  ']]],
    ['further colons belong to the password', 'alice: a:b:c\n', [['alice', 'a:b:c']]],
    ['CR and LF removed at the end', 'alice: pw\r\r\n', [['alice', 'pw']]],
    ['a CR inside the line stays', 'alice: p\rw\n', [['alice', 'p\rw']]],
    ['first line of a user wins', 'alice: first\nalice: second\n', [['alice', 'first']]],
    ['# starts a comment only as the first non-space character', '# x: y\n  # x: y\na#b: pw\n', [['a#b', 'pw']]],
    ['empty user name is allowed', ': pw\n', [['', 'pw']]],
    ['UTF-8 names and passwords', 'jürgen: pässwörd\n', [['jürgen', 'pässwörd']]],
    ['a NUL ends the line (strlen)', 'alice: p\0w\nbob: x\n', [['alice', 'p'], ['bob', 'x']]],
    ['a line above 4095 bytes continues as a new line (fgets)', 'x'.repeat(5000) + ': pw\n', [['x'.repeat(905), 'pw']]],
  ])('%s', (_, text, entries) => {
    expect([...parseAuthFile(text)]).toEqual(entries);
    expect([...parseAuthFile(Buffer.from(text, 'utf8'))]).toEqual(entries);
  });

  it('reads the AuthFile of the captures', () => {
    const text = readFileSync(fileURLToPath(new URL('./testdata/authfile', import.meta.url)));
    expect([...parseAuthFile(text)]).toEqual([
      ['alice', 's3cret-sign'],
      ['bob', 's3cret-encrypt'],
    ]);
  });
});

describe('parseAuthFile: lines that are skipped', () => {
  it.each([
    ['empty file', ''],
    ['blank lines', '\n\r\n  \t \n'],
    ['comment', '# alice: pw\n'],
    ['no colon', 'alice pw\n'],
    ['empty password', 'alice:\n'],
    ['password of white space only', 'alice: \t \r\n'],
    ['colon after a NUL', 'alice\0: pw\n'],
  ])('%s', (_, text) => {
    expect(parseAuthFile(text).size).toBe(0);
  });
});

describe('createAuthFileLookup', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  function file(text: string): string {
    dir ??= mkdtempSync(join(tmpdir(), 'fleetscope-authfile-'));
    const path = join(dir, 'authfile');
    writeFileSync(path, text);
    return path;
  }
  function rewrite(path: string, text: string, mtimeSeconds: number): void {
    writeFileSync(path, text);
    utimesSync(path, mtimeSeconds, mtimeSeconds);
  }

  it('looks users up and re-reads the file when it changes, checking at most once per interval', () => {
    let now = 0;
    const path = file('alice: one\n');
    const lookup = createAuthFileLookup(path, { now: () => now });
    expect([lookup('alice'), lookup('bob')]).toEqual(['one', undefined]);
    rewrite(path, 'alice: two\nbob: b\n', 1_000_000);
    now = 999;
    expect(lookup('alice')).toBe('one');
    now = 1000;
    expect([lookup('alice'), lookup('bob')]).toEqual(['two', 'b']);
  });

  it('does not re-read an unchanged file and keeps the users when the file disappears', () => {
    let now = 0;
    const path = file('alice: one\n');
    utimesSync(path, 1_000_000, 1_000_000);
    const lookup = createAuthFileLookup(path, { now: () => now, checkIntervalMs: 10 });
    rmSync(path);
    now = 50;
    expect(lookup('alice')).toBe('one');
    rewrite(path, 'alice: three\n', 1_000_100);
    now = 100;
    expect(lookup('alice')).toBe('three');
  });

  it('throws when the file cannot be read at creation', () => {
    expect(() => createAuthFileLookup('/nonexistent/fleetscope/authfile')).toThrow(/^cannot read AuthFile \/nonexistent\/fleetscope\/authfile: /);
  });
});
