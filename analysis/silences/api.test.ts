import { describe, expect, it } from 'vitest';
import { HttpError } from '../../lib/http-errors.ts';
import { readSilenceBody } from './api.ts';

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;
const ok = { matchers: { host: 'web-*' }, endsAt: NOW + 3_600_000, comment: 'rack move', createdBy: 'ops' };

describe('readSilenceBody', () => {
  it.each<[string, object, { startsAt: number; endsAt: number }]>([
    ['startsAt defaults to now', ok, { startsAt: NOW, endsAt: NOW + 3_600_000 }],
    ['relative endsAt', { ...ok, endsAt: 'now+2h' }, { startsAt: NOW, endsAt: NOW + 7_200_000 }],
    ['ISO times', { ...ok, startsAt: new Date(NOW + DAY).toISOString(), endsAt: new Date(NOW + 2 * DAY).toISOString() }, { startsAt: NOW + DAY, endsAt: NOW + 2 * DAY }],
    ['exactly 30 days', { ...ok, endsAt: NOW + 30 * DAY }, { startsAt: NOW, endsAt: NOW + 30 * DAY }],
  ])('%s', (_, body, want) => expect(readSilenceBody(body, NOW)).toMatchObject(want));

  it.each<[string, unknown, string]>([
    ['not an object', 'x', ''],
    ['no matchers', { ...ok, matchers: {} }, 'matchers'],
    ['unknown matcher', { ...ok, matchers: { rack: 'r1' } }, 'matchers.rack'],
    ['empty host glob', { ...ok, matchers: { host: '' } }, 'matchers.host'],
    ['no endsAt', { ...ok, endsAt: undefined }, 'endsAt'],
    ['endsAt in the past', { ...ok, endsAt: NOW - 1 }, 'endsAt'],
    ['endsAt before startsAt', { ...ok, startsAt: NOW + 2 * 3_600_000 }, 'endsAt'],
    ['over 30 days', { ...ok, endsAt: NOW + 30 * DAY + 1 }, 'endsAt'],
    ['unreadable time', { ...ok, endsAt: 'tomorrow' }, 'endsAt'],
    ['no comment', { ...ok, comment: undefined }, 'comment'],
    ['no createdBy', { ...ok, createdBy: '' }, 'createdBy'],
    ['unknown key', { ...ok, owner: 'x' }, 'owner'],
  ])('%s', (_, body, path) => {
    let err: unknown;
    try {
      readSilenceBody(body, NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ code: 'SILENCE_ERR_INVALID', status: 400, where: { path } });
  });
});
