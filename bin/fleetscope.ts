#!/usr/bin/env -S node --import tsx
import { Command } from 'commander';
import { pino } from 'pino';
import { ConfigError } from '../lib/config-loader.ts';
import { assetsCommand, defaultUrl } from './assets-command.ts';
import { capacityReportCommand } from './capacity-report-command.ts';
import { detectCommand } from './detect-command.ts';
import { forecastCommand } from './forecast-command.ts';
import { queryCommand } from './query-cli.ts';
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
      const { http, udp, listeners } = await s.start();
      log.info({ http, udp, listeners, roles: [...roles] }, 'listening');
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

program
  .command('query')
  .description('run a query against a running fleetscope and print the answer')
  .argument('<query>', 'the query, e.g. \'metric "cpu.percent" last 1h | stats avg(value) by host\'')
  .option('--url <url>', 'fleetscope to ask (default: FLEETSCOPE_URL, else the configured http.host and http.port)')
  .option('-f, --format <format>', 'table, json or csv', 'table')
  .option('--explain', 'show the SQL, its parameters and the estimate instead of running it')
  .option('--now <time>', 'the query\'s "now" (ISO 8601 or epoch ms), to repeat a question about the past')
  .action(async (text: string, o: { url?: string; format: string; explain?: boolean; now?: string }) => {
    if (!['table', 'json', 'csv'].includes(o.format)) {
      process.stderr.write(`fleetscope: --format is table, json or csv, not ${o.format}\n`);
      process.exit(2);
    }
    let url: string;
    try {
      url = o.url?.replace(/\/+$/, '') ?? defaultUrl(program.opts<{ config?: string }>().config ?? process.env.FLEETSCOPE_CONFIG, process.env);
    } catch (err) {
      process.stderr.write(`fleetscope: ${(err as Error).message}\n`);
      process.exit(2);
    }
    const code = await queryCommand(text, { url, format: o.format as 'table' | 'json' | 'csv', explain: o.explain ?? false, now: o.now }, (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`${s}\n`));
    process.exit(code);
  });

program.addCommand(detectCommand());
program.addCommand(forecastCommand());
program.addCommand(assetsCommand(() => program.opts<{ config?: string }>().config ?? process.env.FLEETSCOPE_CONFIG));
program.addCommand(capacityReportCommand(() => program.opts<{ config?: string }>().config ?? process.env.FLEETSCOPE_CONFIG));

await program.parseAsync(process.argv);
