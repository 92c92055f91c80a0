// The package registry reachable here serves only the packages of this platform, so npm leaves the
// other platforms' optional packages (esbuild, rollup, chdb binaries for macOS, Windows, arm…) out of
// package-lock.json, and `npm ci` then refuses the lock as out of sync. This adds an entry for each
// missing optional package, marked with the platform its name says, so npm ci skips it as it would
// any optional package for another platform. Run after `npm install`: `node scripts/complete-lock.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'android', 'openharmony'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'mips64el', 'ppc64', 'riscv64', 's390x'];

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key] || lock.packages[`${path}/${key}`]) continue;
    const parts = name.split(/[-/]/);
    const os = name === 'fsevents' ? 'darwin' : name.includes('win32') || name.includes('-windows-') ? 'win32' : OS.find((o) => parts.includes(o));
    const cpu = CPU.find((c) => parts.includes(c)) ?? (name.includes('-x86_64') ? 'x64' : undefined);
    lock.packages[key] = { version: version.replace(/^[~^]/, ''), ...(cpu ? { cpu: [cpu] } : {}), os: [os ?? 'none'], optional: true, ...(pkg.dev ? { dev: true } : {}) };
    added++;
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lock: added ${added} entries for other platforms' optional packages`);
