/** The parts a process can run; `all` runs every one. */
export const ROLES = ['ingest', 'writer', 'analysis', 'dashboards'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Reads a role list such as `ingest,writer` or `all` (also space-separated). Throws with the list of
 * valid roles on an unknown name or an empty list.
 */
export function parseRoles(text: string): Set<Role> {
  const names = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new Error(`no role given: use one or more of ${ROLES.join(', ')}, or all`);
  const out = new Set<Role>();
  for (const n of names) {
    if (n === 'all') ROLES.forEach((r) => out.add(r));
    else if ((ROLES as readonly string[]).includes(n)) out.add(n as Role);
    else throw new Error(`unknown role "${n}": use one or more of ${ROLES.join(', ')}, or all`);
  }
  return out;
}

/**
 * Checks that the roles can run with the transport configured: without Kafka, receivers hand records
 * to a writer in the same process, so `ingest` and `writer` go together.
 */
export function checkRoles(roles: ReadonlySet<Role>, kafka: boolean): void {
  if (kafka) return;
  if (roles.has('ingest') && !roles.has('writer')) {
    throw new Error('role ingest without writer needs Kafka (set KAFKA_BROKERS): without it, receivers hand records to the writer in the same process');
  }
  if (roles.has('writer') && !roles.has('ingest')) {
    throw new Error('role writer without ingest needs Kafka (set KAFKA_BROKERS): the writer reads the records topic');
  }
}
