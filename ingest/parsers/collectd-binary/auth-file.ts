import { readFileSync, statSync } from 'node:fs';

/** collectd reads the AuthFile with `fgets` into a 4096-byte buffer: at most 4095 bytes per read. */
const FGETS_MAX = 4095;

/**
 * Parses the text of a collectd AuthFile (`user: password` per line) with exactly the rules of
 * collectd 5.12's `utils_fbhash.c`:
 *
 * - the file is read in `fgets` chunks: up to and including a newline, at most 4095 bytes (a longer
 *   line continues as a new "line"); a chunk ends at its first NUL byte;
 * - trailing CR and LF characters are removed, then leading white space (C `isspace`: space, \t, \n,
 *   \v, \f, \r) is skipped;
 * - empty lines and lines whose first non-space character is `#` are ignored;
 * - the username is everything before the first `:`, spaces before the colon included;
 * - the password is everything after that colon minus leading white space (trailing spaces and
 *   further colons kept); lines without a colon or with an empty password are skipped;
 * - for a user listed twice, the first line wins.
 *
 * Bytes are decoded as UTF-8 (invalid sequences become U+FFFD). Returns a new map, username → password.
 */
export function parseAuthFile(text: string | Uint8Array): Map<string, string> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  const users = new Map<string, string>();
  let pos = 0;
  while (pos < bytes.length) {
    const newline = bytes.indexOf(0x0a, pos);
    const end = Math.min(newline === -1 ? bytes.length : newline + 1, pos + FGETS_MAX);
    addLine(users, bytes, pos, end);
    pos = end;
  }
  return users;
}

function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/** One `fgets` chunk `bytes[start, end)`. */
function addLine(users: Map<string, string>, bytes: Buffer, start: number, end: number): void {
  const nul = bytes.indexOf(0, start);
  if (nul !== -1 && nul < end) end = nul;
  while (end > start && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  let user = start;
  while (user < end && isSpace(bytes[user])) user++;
  if (user === end || bytes[user] === 0x23 /* # */) return;
  const colon = bytes.indexOf(0x3a /* : */, user);
  if (colon === -1 || colon >= end) return;
  let secret = colon + 1;
  while (secret < end && isSpace(bytes[secret])) secret++;
  if (secret === end) return;
  const name = bytes.toString('utf8', user, colon);
  if (!users.has(name)) users.set(name, bytes.toString('utf8', secret, end));
}

/** Options of {@link createAuthFileLookup}. */
export interface AuthFileLookupOptions {
  /** Milliseconds between two checks of the file's modification time. @default 1000 */
  readonly checkIntervalMs?: number;
  /** Clock in milliseconds, for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * Reads the AuthFile at `path` and returns a lookup (username → password, undefined for an unknown
 * user) for `parseCollectdPacket`'s context. Like collectd, the file is re-read when it changes: on a
 * lookup at least `checkIntervalMs` after the previous check, it is `stat`ed (synchronously) and
 * parsed again if its mtime, size or inode differ. If a later stat or read fails, the users read last
 * stay in force.
 *
 * Throws an Error "cannot read AuthFile …" when the file cannot be read at creation (fail fast at
 * startup, as collectd does).
 */
export function createAuthFileLookup(path: string, options: AuthFileLookupOptions = {}): (username: string) => string | undefined {
  const interval = options.checkIntervalMs ?? 1000;
  const now = options.now ?? Date.now;
  let stamp: string;
  let users: Map<string, string>;
  try {
    stamp = fileStamp(path);
    users = parseAuthFile(readFileSync(path));
  } catch (err) {
    throw new Error(`cannot read AuthFile ${path}: ${(err as Error).message}`, { cause: err });
  }
  let checkedAt = now();

  function refresh(): void {
    try {
      const current = fileStamp(path);
      if (current === stamp) return;
      users = parseAuthFile(readFileSync(path));
      stamp = current;
    } catch {
      // Keep the users read last; the next check tries again.
    }
  }

  return (username) => {
    const t = now();
    if (t - checkedAt >= interval) {
      checkedAt = t;
      refresh();
    }
    return users.get(username);
  };
}

function fileStamp(path: string): string {
  const s = statSync(path, { bigint: true });
  return `${s.mtimeNs}/${s.size}/${s.ino}`;
}
