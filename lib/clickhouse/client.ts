import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { StorageConfig } from './config.ts';

/**
 * The one handle to storage that the rest of fleetscope uses. The same methods run on the embedded
 * engine (chDB in this process) and on a ClickHouse server over HTTP.
 *
 * Settings are always written into the SQL text, never passed as client settings: on the embedded
 * engine client settings become session state and leak into later statements (a deduplication token
 * left behind silently drops the next insert).
 */
export interface Storage {
  /** `embedded` (chDB) or `server`. */
  readonly mode: 'embedded' | 'server';
  /** Database holding fleetscope tables, a validated identifier. */
  readonly database: string;
  /** Runs a statement that returns nothing. */
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  /**
   * Runs a query and returns its rows (JSONEachRow), 64-bit integers quoted as strings. `settings` join
   * the statement's SETTINGS clause (the statement itself must not have one).
   */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>, settings?: Readonly<Record<string, string | number>>): Promise<T[]>;
  /** Sends `body` as the data of an `INSERT … FORMAT …` statement. */
  insertText(sql: string, body: string): Promise<void>;
  /** Checks that storage answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens storage as configured: a ClickHouse server when `clickhouseUrl` is set, else chDB. */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  if (config.clickhouseUrl) {
    const client = createClient({
      url: config.clickhouseUrl,
      request_timeout: 60_000,
      compression: { request: true, response: true },
    });
    return wrap(client, 'server', config.database);
  }
  const dir = resolve(config.dataDir);
  mkdirSync(dir, { recursive: true });
  const { createChdbConnection } = await import('chdb/connection');
  const client = createClient({ connection: createChdbConnection({ path: dir }) } as Parameters<typeof createClient>[0]);
  return wrap(client, 'embedded', config.database);
}

function wrap(client: ClickHouseClient, mode: 'embedded' | 'server', database: string): Storage {
  return {
    mode,
    database,
    async command(sql, params) {
      await client.command({ query: sql, query_params: params });
    },
    async query<T>(sql: string, params?: Record<string, unknown>, settings?: Readonly<Record<string, string | number>>): Promise<T[]> {
      const extra = Object.entries(settings ?? {})
        .map(([k, v]) => `, ${settingName(k)} = ${typeof v === 'number' ? String(v) : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`}`)
        .join('');
      const rs = await client.query({
        query: `${sql}\nSETTINGS output_format_json_quote_64bit_integers = 1, output_format_json_quote_denormals = 0${extra}`,
        format: 'JSONEachRow',
        query_params: params,
      });
      return rs.json<T>();
    },
    async insertText(sql, body) {
      const result = await client.exec({ query: sql, values: Readable.from([body]) });
      result.stream.resume();
      await new Promise<void>((res, rej) => {
        result.stream.once('end', res);
        result.stream.once('close', res);
        result.stream.once('error', rej);
      });
    },
    async ping() {
      try {
        const r = await client.ping();
        return r.success;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}

/** A setting name as SQL text; refuses anything but an identifier. */
function settingName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a setting name: ${name}`);
  return name;
}
