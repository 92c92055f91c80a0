import { describe, expect, it } from 'vitest';
import { findSilence, silenceMatches, silenceState, type Silence } from './silence.ts';

const NOW = 1_700_000_000_000;
const silence = (o: Partial<Silence>): Silence => ({ id: 's1', matchers: {}, startsAt: NOW - 1000, endsAt: NOW + 1000, comment: 'c', createdBy: 'me', updatedAt: NOW, ...o });
const absent = { alertname: 'FleetscopeHostAbsent', host: 'web-12', site: 'ams1', role: 'web', severity: 'critical' };
const anomaly = { labels: { alertname: 'FleetscopeAnomaly', job: 'fleet', host: 'db-3', severity: 'warning' }, annotations: { site: 'fra2', role: 'db', hw_model: 'R650' } };

describe('silenceMatches', () => {
  it.each<[string, Silence['matchers'], boolean]>([
    ['exact host', { host: 'web-12' }, true],
    ['host glob', { host: 'web-*' }, true],
    ['host glob anchored at both ends', { host: 'eb-1' }, false],
    ['other host', { host: 'web-13' }, false],
    ['host and site', { host: 'web-*', site: 'ams1' }, true],
    ['every matcher must match', { host: 'web-*', site: 'fra2' }, false],
    ['alertname', { alertname: 'FleetscopeHostAbsent' }, true],
    ['alertname glob', { alertname: 'Fleetscope*' }, true],
    ['a label the alert lacks is empty', { hw_model: 'R650' }, false],
    ['regex characters are literal', { host: 'web-1.' }, false],
  ])('%s', (_, matchers, want) => expect(silenceMatches({ matchers }, absent)).toBe(want));

  it('takes asset context from the annotations of anomaly alerts', () => {
    expect(silenceMatches({ matchers: { site: 'fra2', role: 'db' } }, anomaly.labels, anomaly.annotations)).toBe(true);
    expect(silenceMatches({ matchers: { site: 'ams1' } }, anomaly.labels, anomaly.annotations)).toBe(false);
  });
});

describe('silenceState', () => {
  it.each<[string, number, string]>([
    ['before start', NOW - 1001, 'pending'],
    ['at start', NOW - 1000, 'active'],
    ['just before end', NOW + 999, 'active'],
    ['at end', NOW + 1000, 'expired'],
  ])('%s', (_, t, want) => expect(silenceState(silence({}), t)).toBe(want));
});

describe('findSilence', () => {
  const list = [silence({ id: 'old', matchers: { host: 'web-*' }, startsAt: NOW - 5000, endsAt: NOW - 1 }), silence({ id: 'later', matchers: { host: 'web-*' }, startsAt: NOW + 1 }), silence({ id: 'db', matchers: { role: 'db' } })];

  it.each<[string, { labels: Record<string, string>; annotations?: Record<string, string> }, number, string | undefined]>([
    ['expired and pending silences do not apply', { labels: absent }, NOW, undefined],
    ['a pending silence applies once started', { labels: absent }, NOW + 1, 'later'],
    ['an anomaly alert by role', anomaly, NOW, 'db'],
  ])('%s', (_, alert, t, want) => expect(findSilence(list, alert, t)?.id).toBe(want));
});
