// Writes docs/configuration.md from the configuration schema (bin/config.ts), so the document lists
// exactly the settings the code reads. `npm run docs:config`; a unit test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configurationMarkdown } from '../bin/config-docs.ts';

writeFileSync(fileURLToPath(new URL('../docs/configuration.md', import.meta.url)), configurationMarkdown());
