import { describe, expect, it } from 'vitest';
import { checkRoles, parseRoles } from './roles.ts';

describe('roles', () => {
  it('reads lists, all, and separators', () => {
    expect([...parseRoles('all')].sort()).toEqual(['analysis', 'dashboards', 'ingest', 'writer']);
    expect([...parseRoles('ingest, writer')]).toEqual(['ingest', 'writer']);
    expect([...parseRoles('writer writer')]).toEqual(['writer']);
  });

  it('names the valid roles when one is unknown or none is given', () => {
    expect(() => parseRoles('ingest,injest')).toThrow('unknown role "injest": use one or more of ingest, writer, analysis, dashboards, or all');
    expect(() => parseRoles(' , ')).toThrow('no role given');
  });

  it('needs Kafka to split ingest from the writer', () => {
    expect(() => checkRoles(parseRoles('ingest'), false)).toThrow('role ingest without writer needs Kafka');
    expect(() => checkRoles(parseRoles('writer'), false)).toThrow('role writer without ingest needs Kafka');
    expect(() => checkRoles(parseRoles('ingest'), true)).not.toThrow();
    expect(() => checkRoles(parseRoles('dashboards'), false)).not.toThrow();
    expect(() => checkRoles(parseRoles('all'), false)).not.toThrow();
  });
});
