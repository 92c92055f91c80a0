/**
 * Every code of the Graphite plaintext parser and its TCP framing. The parser never throws: each
 * code is a {@link Rejection} of one line, and the other lines are kept.
 */
export const GRAPHITE_PARSE_CODES = {
  PARSE_ERR_GRAPHITE_FIELDS: 'the line is not `path value [timestamp]` (too few or too many fields)',
  PARSE_ERR_GRAPHITE_PATH: 'the path is empty or holds a character Graphite does not allow',
  PARSE_ERR_GRAPHITE_TAG: 'a tag is not `name=value` with a non-empty name (no `;!^=`) and value (no `;`, not starting with `~`)',
  PARSE_ERR_GRAPHITE_VALUE: 'the value is not a number (nan is read as unknown; inf is refused)',
  PARSE_ERR_GRAPHITE_TIMESTAMP: 'the timestamp is not seconds since the epoch (-1 means now)',
  PARSE_ERR_GRAPHITE_LINE_TOO_LONG: 'a TCP line longer than 64 KiB: skipped up to its end',
} as const;

/** One of the codes of {@link GRAPHITE_PARSE_CODES}. */
export type GraphiteParseCode = keyof typeof GRAPHITE_PARSE_CODES;
