/**
 * Every code the OpenTSDB `/api/put` parser reports. `PARSE_ERR_JSON_*` and `PARSE_ERR_NO_POINTS` are
 * thrown as {@link ParseError} (the whole body is lost, as OpenTSDB discards a body it cannot parse);
 * the others are {@link Rejection}s of one data point, and the rest of the body is kept.
 */
export const OPENTSDB_PARSE_CODES = {
  PARSE_ERR_JSON_SYNTAX: 'thrown: the body is not JSON',
  PARSE_ERR_JSON_NOT_ARRAY: 'thrown: the body is JSON but neither a data point object nor an array',
  PARSE_ERR_NO_POINTS: 'thrown: the body is an empty array ("No datapoints found in content")',
  PARSE_ERR_NOT_OBJECT: 'an array element is not an object',
  PARSE_ERR_MISSING_KEY: '`metric`, `timestamp`, `value` or `tags` is missing, null or empty',
  PARSE_ERR_BAD_FIELD: 'a key holds the wrong JSON type (an object where a string belongs, …)',
  PARSE_ERR_BAD_NAME: 'the metric, a tag name or a tag value has a character OpenTSDB refuses',
  PARSE_ERR_BAD_TAGS: 'no tag, or more than OpenTSDB\'s default maximum of 8 tags',
  PARSE_ERR_BAD_VALUE: 'the value is not a number (or a numeric string), or it is NaN or infinite',
  PARSE_ERR_BAD_TIME: 'the timestamp is not a positive integer of seconds or milliseconds (at most 9999999999999)',
} as const;

/** One of the codes of {@link OPENTSDB_PARSE_CODES}. */
export type OpenTsdbParseCode = keyof typeof OPENTSDB_PARSE_CODES;
