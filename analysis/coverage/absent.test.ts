import { describe, expect, it } from 'vitest';
import { absentAfterMs, absentLabels, judgeHost, type AbsentOptions, type HostSeen } from './absent.ts';

const opts: AbsentOptions = { intervals: 5, minSilenceMs: 60_000, silencedStatuses: ['decommissioned', 'decommissioning', 'maintenance', 'offline', 'planned'] };
const NOW = 1_700_000_000_000;
const host = (o: Partial<HostSeen>): HostSeen => ({ host: 'web-1', hasAsset: true, site: 'ams1', role: 'web', hw_model: 'R650', status: 'active', lastSeen: NOW, intervalMs: 10_000, metrics: ['cpu'], ...o });

describe('absentAfterMs', () => {
  it.each([
    ['intervals × interval when larger', 20_000, 100_000],
    ['minSilenceMs when larger', 10_000, 60_000],
    ['minSilenceMs without an interval', 0, 60_000],
  ])('%s', (_, interval, want) => expect(absentAfterMs(interval, opts)).toBe(want));
});

describe('judgeHost', () => {
  it.each<[string, Partial<HostSeen>, { expected: boolean; reporting: boolean; absent: boolean; silencedByStatus: boolean }]>([
    ['just sent data', {}, { expected: true, reporting: true, absent: false, silencedByStatus: false }],
    ['quiet exactly the threshold is not absent yet', { lastSeen: NOW - 60_000 }, { expected: true, reporting: true, absent: false, silencedByStatus: false }],
    ['quiet 1 ms past the threshold', { lastSeen: NOW - 60_001 }, { expected: true, reporting: false, absent: true, silencedByStatus: false }],
    ['a slow host within 5 intervals', { lastSeen: NOW - 280_000, intervalMs: 60_000 }, { expected: true, reporting: true, absent: false, silencedByStatus: false }],
    ['a slow host past 5 intervals', { lastSeen: NOW - 300_001, intervalMs: 60_000 }, { expected: true, reporting: false, absent: true, silencedByStatus: false }],
    ['expected but never reported', { lastSeen: null, intervalMs: 0, metrics: [] }, { expected: true, reporting: false, absent: true, silencedByStatus: false }],
    ['no status counts as expected', { status: '', lastSeen: null }, { expected: true, reporting: false, absent: true, silencedByStatus: false }],
    ['in maintenance and quiet', { status: 'maintenance', lastSeen: NOW - 3_600_000 }, { expected: false, reporting: false, absent: false, silencedByStatus: true }],
    ['planned and never reported', { status: 'planned', lastSeen: null }, { expected: false, reporting: false, absent: false, silencedByStatus: true }],
    ['decommissioned but still sending', { status: 'decommissioned' }, { expected: false, reporting: true, absent: false, silencedByStatus: true }],
    ['no asset record, reporting (unexpected)', { hasAsset: false, status: '' }, { expected: false, reporting: true, absent: false, silencedByStatus: false }],
    ['no asset record, quiet', { hasAsset: false, status: '', lastSeen: NOW - 120_000 }, { expected: false, reporting: false, absent: true, silencedByStatus: false }],
    ['a status is matched exactly', { status: 'Maintenance', lastSeen: NOW - 120_000 }, { expected: true, reporting: false, absent: true, silencedByStatus: false }],
  ])('%s', (_, h, want) => {
    expect(judgeHost(host(h), NOW, opts)).toMatchObject(want);
  });

  it('judges the same host the same way twice', () => {
    const h = host({ lastSeen: NOW - 70_000 });
    expect(judgeHost(h, NOW, opts)).toEqual(judgeHost(h, NOW, opts));
  });
});

describe('absentLabels', () => {
  it('leaves out empty asset fields', () => {
    expect(absentLabels(host({ site: '', role: '' }), 'critical')).toEqual({ alertname: 'FleetscopeHostAbsent', host: 'web-1', hw_model: 'R650', severity: 'critical' });
  });
});
