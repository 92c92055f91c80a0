/**
 * Every code the collectd JSON parser reports, with what it means. `PARSE_ERR_JSON_*` codes are
 * thrown as {@link ParseError} (the whole body is lost); the others are {@link Rejection}s of one
 * array element, and the rest of the body is kept.
 */
export const JSON_PARSE_CODES = {
  PARSE_ERR_JSON_SYNTAX: 'thrown: the body is not JSON, even after repairing collectd\'s `"meta":}`',
  PARSE_ERR_JSON_NOT_ARRAY: 'thrown: the body is JSON but not an array',
  PARSE_ERR_JSON_TOO_DEEP: 'thrown: arrays or objects are nested deeper than collectd ever writes them',
  PARSE_ERR_NOT_OBJECT: 'an array element is not an object',
  PARSE_ERR_UNKNOWN_SHAPE: 'an object is neither a value list (`values`) nor a notification (`labels`/`annotations`)',
  PARSE_ERR_MISSING_KEY: 'a required key of a value list or notification is missing',
  PARSE_ERR_BAD_FIELD: 'a key holds the wrong JSON type (a string where an array belongs, …)',
  PARSE_ERR_LENGTH_MISMATCH: '`values`, `dstypes` and `dsnames` are empty or have different lengths',
  PARSE_ERR_BAD_DSTYPE: 'a `dstypes` entry is not gauge, counter, derive or absolute',
  PARSE_ERR_BAD_VALUE: 'a value does not fit its data-source type (a fraction or null for a counter, …)',
  PARSE_ERR_VALUE_RANGE: 'an integer value lies outside the 64-bit range of its data-source type',
  PARSE_ERR_BAD_TIME: '`time`, `interval` or `startsAt` is negative, not finite or not a valid date',
  PARSE_ERR_BAD_NAME: 'host, plugin or type is empty, or a name is longer than collectd allows (127 bytes)',
} as const;

/** One of the codes of {@link JSON_PARSE_CODES}. */
export type JsonParseCode = keyof typeof JSON_PARSE_CODES;

/** Input text for a message: JSON-quoted and cut at 60 characters, so one bad item cannot flood a log. */
export function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
