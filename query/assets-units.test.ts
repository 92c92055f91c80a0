import { describe, expect, it } from 'vitest';
import { parseBitRate, parseByteSize, parseCount } from './assets-units.ts';

const GiB = 1024 ** 3;

describe('parseByteSize', () => {
  it.each([
    [68719476736, 'binary', 68719476736],
    ['68719476736', 'binary', 68719476736],
    ['64GiB', 'decimal', 64 * GiB],
    ['64 GiB', 'binary', 64 * GiB],
    ['64Gi', 'decimal', 64 * GiB],
    ['64GB', 'binary', 64 * GiB],
    ['64G', 'binary', 64 * GiB],
    ['64gb', 'binary', 64 * GiB],
    ['512M', 'binary', 512 * 1024 ** 2],
    ['1.5T', 'binary', 1.5 * 1024 ** 4],
    ['1.92TB', 'decimal', 1.92e12],
    ['960GiB', 'decimal', 960 * GiB],
    ['4 kB', 'decimal', 4000],
    ['100B', 'decimal', 100],
    ['0', 'binary', 0],
  ] as const)('%j (%s) is %d bytes', (input, convention, expected) => {
    expect(parseByteSize(input, convention)).toBe(expected);
  });

  it.each([[-1], [1.5], ['64 gigs'], ['1.5'], ['GiB'], [''], ['64GiBs'], ['9EiB'], [Number.NaN]])('refuses %j', (input) => {
    expect(parseByteSize(input, 'binary')).toBeUndefined();
  });
});

describe('parseBitRate', () => {
  it.each([
    [10_000_000_000, 1e10],
    ['10G', 1e10],
    ['25Gbps', 25e9],
    ['100 Gb/s', 100e9],
    ['1000Mbit/s', 1e9],
    ['10GbE', 1e10],
    ['40GE', 4e10],
    ['2.5G', 2.5e9],
    ['100k', 1e5],
    ['1000000000', 1e9],
  ] as const)('%j is %d bit/s', (input, expected) => {
    expect(parseBitRate(input)).toBe(expected);
  });

  it.each([['10GB/s'], ['10GBps'], ['10 gigabit'], ['fast'], ['1.5'], ['10e'], [-5], [0.5]])('refuses %j', (input) => {
    expect(parseBitRate(input)).toBeUndefined();
  });
});

describe('parseCount', () => {
  it.each([[32, 32], ['64', 64], [' 8 ', 8], [0, 0]] as const)('%j is %d', (input, expected) => {
    expect(parseCount(input)).toBe(expected);
  });
  it.each([['32 cores'], [1.5], [-1], ['4294967296'], ['']])('refuses %j', (input) => {
    expect(parseCount(input)).toBeUndefined();
  });
});
