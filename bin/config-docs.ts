import { listSettings } from '../lib/config-loader.ts';
import { configSchema } from './config.ts';

const HEADER = `# Configuration

fleetscope reads its settings once at start-up from an optional JSON file and from environment
variables, checks them, and stops with a message naming the setting when one is wrong:

\`\`\`
$ FLEETSCOPE_HTTP_PORT=eighty npm start
fleetscope: cannot read FLEETSCOPE_HTTP_PORT: "eighty" is not a number
\`\`\`

- The file: \`npm start -- --config fleetscope.json\` (or \`FLEETSCOPE_CONFIG=fleetscope.json\`). It holds
  the nested keys below, for example \`{"http": {"port": 9000}, "collectd": {"udp": {"host": "0.0.0.0"}}}\`.
- The environment: every setting has a variable, \`FLEETSCOPE_\` followed by its path in upper snake
  case. A variable wins over the file. Lists and objects are given as JSON text.
- \`CLICKHOUSE_URL\` is read as \`storage.clickhouseUrl\` (the \`FLEETSCOPE_\` name wins when both are set).

With no file and no variables, fleetscope serves HTTP on 127.0.0.1:8080, listens for collectd's
binary protocol on UDP 127.0.0.1:25826 and keeps its data in \`./data\` with the embedded ClickHouse
engine. To take data from other machines, bind to their network: \`FLEETSCOPE_HTTP_HOST=0.0.0.0\` and
\`FLEETSCOPE_COLLECTD_UDP_HOST=0.0.0.0\`.

## Several collectd listeners

\`collectd.udp\` is the main binary-protocol listener; \`collectd.extraUdp\` adds more, for example one
per security level, each with its own AuthFile (collectd's format, \`user: password\` per line, re-read
when it changes):

\`\`\`json
{
  "collectd": {
    "udp": { "host": "0.0.0.0", "port": 25826, "securityLevel": "none" },
    "extraUdp": [
      { "host": "0.0.0.0", "port": 25827, "securityLevel": "sign", "authFile": "/etc/fleetscope/collectd.auth" },
      { "host": "0.0.0.0", "port": 25828, "securityLevel": "encrypt", "authFile": "/etc/fleetscope/collectd.auth" }
    ]
  }
}
\`\`\`

## Every setting

| setting | environment variable | type | default | meaning |
| --- | --- | --- | --- | --- |
`;

function cell(v: unknown): string {
  return JSON.stringify(v)?.replace(/\|/g, '\\|') ?? '';
}

/** The text of docs/configuration.md. */
export function configurationMarkdown(): string {
  const rows = listSettings(configSchema).map(
    (d) => `| \`${d.path.join('.')}\` | \`${d.env}\` | ${d.type.replace(/\|/g, '\\|')} | \`${cell(d.defaultValue)}\` | ${d.description} |`,
  );
  return HEADER + rows.join('\n') + '\n';
}
