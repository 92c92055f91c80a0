/**
 * Every code the InfluxDB line protocol parser reports. The parser never throws: each code is a
 * {@link Rejection} of one line (or, for `PARSE_ERR_INFLUX_STRING_FIELD`, of one field), and the
 * other lines of the body are kept.
 */
export const INFLUX_PARSE_CODES = {
  PARSE_ERR_INFLUX_MEASUREMENT: 'the line has no measurement, or nothing after it',
  PARSE_ERR_INFLUX_TAG: 'a tag has no `=`, or an empty key or value',
  PARSE_ERR_INFLUX_FIELD: 'the field set is missing, or a field has no `=` or an empty key',
  PARSE_ERR_INFLUX_FIELD_VALUE: 'a field value is not a float, integer (`i`), unsigned (`u`), boolean or string, or is out of range',
  PARSE_ERR_INFLUX_TIMESTAMP: 'the timestamp is not an integer, is out of range, or is followed by more text',
  PARSE_ERR_INFLUX_STRING_FIELD: 'a string field: not a metric, so not stored (counted; the other fields of the line are kept)',
} as const;

/** One of the codes of {@link INFLUX_PARSE_CODES}. */
export type InfluxParseCode = keyof typeof INFLUX_PARSE_CODES;

/** Input text for a message: JSON-quoted and cut at 60 characters, so one bad line cannot flood a log. */
export function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
