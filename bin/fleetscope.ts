#!/usr/bin/env -S node --import tsx
import { Command } from 'commander';
import { pino } from 'pino';
import { ConfigError } from '../lib/config-loader.ts';
import { readConfig } from './config.ts';
import { parseRoles } from './roles.ts';
import { buildServer } from './serve.ts';

const program = new Command()
  .name('fleetscope')
  .description('Metrics ingest and anomaly analysis for server fleets')
  .option('-c, --config <file>', 'JSON configuration file (also FLEETSCOPE_CONFIG)');

program
  .command('serve')
  .description('run the service: collectd receivers, storage, read API')
  .option('-r, --role <roles>', 'roles to run, comma-separated: ingest, writer, analysis, dashboards, or all (default: the roles setting, all)')
  .action(async (cmdOpts: { role?: string }) => {
    const file = program.opts<{ config?: string }>().config ?? process.env.FLEETSCOPE_CONFIG;
    let config;
    try {
      config = readConfig(file, process.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`fleetscope: ${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }
    let roles;
    try {
      roles = parseRoles(cmdOpts.role ?? config.roles);
    } catch (err) {
      process.stderr.write(`fleetscope: ${(err as Error).message}\n`);
      process.exit(2);
    }
    const log = pino({ level: config.log.level, base: { service: 'fleetscope' } });
    let server;
    try {
      server = await buildServer(config, log, roles);
    } catch (err) {
      log.fatal({ err }, 'cannot start');
      process.stderr.write(`fleetscope: cannot start: ${(err as Error).message}\n`);
      process.exit(1);
    }
    const s = server;
    try {
      const { http, udp } = await s.start();
      log.info({ http, udp, roles: [...roles] }, 'listening');
    } catch (err) {
      process.stderr.write(`fleetscope: cannot listen: ${(err as Error).message}\n`);
      await s.stop().catch(() => {});
      process.exit(1);
    }
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down: storing what was accepted');
      s.stop().then(
        () => {
          log.info({}, 'stopped');
          process.exit(0);
        },
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });

await program.parseAsync(process.argv);
