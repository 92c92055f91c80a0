import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/config-loader.ts';
import { configurationMarkdown } from './config-docs.ts';
import { readConfig } from './config.ts';

describe('configuration', () => {
  it('docs/configuration.md lists exactly the settings the code reads (run npm run docs:config)', () => {
    expect(readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8')).toBe(configurationMarkdown());
  });

  it('defaults: HTTP on 127.0.0.1:8080, collectd UDP 25826, data in ./data', () => {
    const c = readConfig(undefined, {});
    expect([c.http.host, c.http.port, c.collectd.udp?.port, c.storage.dataDir, c.storage.clickhouseUrl]).toEqual(['127.0.0.1', 8080, 25826, './data', null]);
  });

  it('reads FLEETSCOPE_ variables and CLICKHOUSE_URL; the FLEETSCOPE_ name wins', () => {
    const c = readConfig(undefined, {
      FLEETSCOPE_HTTP_PORT: '9000',
      FLEETSCOPE_COLLECTD_UDP_SECURITY_LEVEL: 'sign',
      FLEETSCOPE_COLLECTD_EXTRA_UDP: '[{"port": 25900}]',
      CLICKHOUSE_URL: 'http://a:8123',
    });
    expect([c.http.port, c.collectd.udp?.securityLevel, c.collectd.extraUdp[0].port, c.storage.clickhouseUrl]).toEqual([9000, 'sign', 25900, 'http://a:8123']);
    expect(readConfig(undefined, { CLICKHOUSE_URL: 'http://a:8123', FLEETSCOPE_STORAGE_CLICKHOUSE_URL: 'http://b:8123' }).storage.clickhouseUrl).toBe('http://b:8123');
  });

  it('is frozen', () => {
    const c = readConfig(undefined, {});
    expect(Object.isFrozen(c.collectd.udp)).toBe(true);
  });

  it.each([
    ['not a number', { FLEETSCOPE_HTTP_PORT: 'eighty' }, /FLEETSCOPE_HTTP_PORT: "eighty" is not a number/],
    ['out of range', { FLEETSCOPE_HTTP_PORT: '70000' }, /http\.port \(FLEETSCOPE_HTTP_PORT\)/],
    ['bad enum', { FLEETSCOPE_COLLECTD_UDP_SECURITY_LEVEL: 'paranoid' }, /collectd\.udp\.securityLevel/],
    ['bad JSON', { FLEETSCOPE_COLLECTD_EXTRA_UDP: '[{' }, /FLEETSCOPE_COLLECTD_EXTRA_UDP: not valid JSON/],
    ['bad boolean-free URL', { CLICKHOUSE_URL: 'not a url' }, /storage\.clickhouseUrl/],
    ['bad database name', { FLEETSCOPE_STORAGE_DATABASE: 'x; DROP' }, /storage\.database/],
  ])('refuses %s with a message naming the setting', (_n, env, message) => {
    expect(() => readConfig(undefined, env)).toThrowError(ConfigError);
    expect(() => readConfig(undefined, env)).toThrowError(message);
  });

  it('refuses a missing or broken file', () => {
    expect(() => readConfig('/nonexistent/fleetscope.json', {})).toThrowError(/cannot read configuration file/);
  });
});
