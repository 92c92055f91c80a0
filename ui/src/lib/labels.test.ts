import { describe, expect, it } from 'vitest';
import { parseFilter, readFilters, seriesLabels } from './labels.ts';

describe('series labels and filters', () => {
  it('names series by host and only the labels that differ', () => {
    const names = seriesLabels([
      { host: 'web-01', labels: { plugin: 'cpu', type_instance: 'user' } },
      { host: 'web-01', labels: { plugin: 'cpu', type_instance: 'idle' } },
      { host: 'web-02', labels: { plugin: 'cpu', type_instance: 'user' } },
    ]);
    expect(names).toEqual(['web-01 type_instance=user', 'web-01 type_instance=idle', 'web-02 type_instance=user']);
    expect(seriesLabels([{ host: 'a', labels: { x: '1' } }])).toEqual(['a']);
  });

  it('reads key=value filters, taking a bare key as an asset field', () => {
    expect(parseFilter('site=ams1')).toEqual({ key: 'asset.site', value: 'ams1' });
    expect(parseFilter('label.type = user')).toEqual({ key: 'label.type', value: 'user' });
    expect(parseFilter('host=web-01')).toEqual({ key: 'host', value: 'web-01' });
    expect(parseFilter('asset.hw_model=PowerEdge R650')).toEqual({ key: 'asset.hw_model', value: 'PowerEdge R650' });
    expect(parseFilter('nonsense')).toBeUndefined();
  });
});

describe('filter box', () => {
  it('turns typed filters into URL filters, or names the first one that is not a filter', () => {
    expect(readFilters(' site=ams1, label.type=user ,')).toEqual({ filters: ['asset.site=ams1', 'label.type=user'] });
    expect(readFilters('site=ams1, oops')).toEqual({ bad: 'oops' });
    expect(readFilters('')).toEqual({ filters: [] });
  });
});
