import { describe, expect, it } from 'vitest';
import { anomalyId, parseAnomalyId, type AnomalyKey } from './anomaly-id.ts';

describe('anomaly ids', () => {
  it.each<[AnomalyKey, string]>([
    [{ job: 'fleet', detector: 'default', seriesId: '18446744073709551615', ts: 1763596800000 }, 'fleet~default~18446744073709551615~1763596800000'],
    [{ job: 'peers-web', detector: 'peers:hw_model', seriesId: '42', ts: 0 }, 'peers-web~peers:hw_model~42~0'],
  ])('%o ↔ %s', (key, id) => {
    expect(anomalyId(key)).toBe(id);
    expect(parseAnomalyId(id)).toEqual(key);
    expect(parseAnomalyId(anomalyId(parseAnomalyId(id)!))).toEqual(key); // reuse
  });

  it.each(['', 'fleet', 'fleet~default~42', 'fleet~default~42~1~2', 'Fleet~default~42~1', 'fleet~~42~1', 'fleet~default~x42~1', 'fleet~default~42~-1', 'fleet~default~42~1.5'])(
    'rejects %j',
    (id) => {
      expect(parseAnomalyId(id)).toBeUndefined();
    },
  );
});
