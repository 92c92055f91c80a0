/**
 * Every code the collectd command parser reports in a {@link Rejection}, with what it means. One
 * rejection loses one line (all value lists on it); the other lines are kept.
 */
export const COMMAND_PARSE_CODES = {
  PARSE_ERR_UNKNOWN_COMMAND: 'the line starts with a word other than PUTVAL or PUTNOTIF',
  PARSE_ERR_SYNTAX: 'an unterminated quote, or a PUTNOTIF option that is not key=value',
  PARSE_ERR_BAD_IDENTIFIER: 'the PUTVAL identifier is missing or not host/plugin[-instance]/type[-instance]',
  PARSE_ERR_BAD_NAME: 'host, plugin or type is empty, or a name is longer than collectd allows (127 bytes)',
  PARSE_ERR_UNKNOWN_TYPE: 'the type is not in types.db',
  PARSE_ERR_BAD_OPTION: 'an unknown option, or an option whose value is invalid (interval=0, meta: without a key)',
  PARSE_ERR_MISSING_VALUES: 'a PUTVAL line without any value list',
  PARSE_ERR_VALUE_COUNT: 'a value list whose number of values differs from the number of data sources of its type',
  PARSE_ERR_BAD_VALUE: 'a value that is not a decimal number of its kind (U for a counter, 7abc, 0x10, 010, an empty field)',
  PARSE_ERR_VALUE_RANGE: 'an integer value outside the 64-bit range of its data-source type',
  PARSE_ERR_BAD_TIME: 'a time that is not N or positive decimal seconds (PUTNOTIF: not decimal seconds)',
  PARSE_ERR_MISSING_FIELD: 'a PUTNOTIF without severity, time or a non-empty message',
  PARSE_ERR_BAD_SEVERITY: 'a PUTNOTIF severity other than failure, warning or okay',
} as const;

/** One of the codes of {@link COMMAND_PARSE_CODES}. */
export type CommandParseCode = keyof typeof COMMAND_PARSE_CODES;

/** What is wrong with one line, and where (character offset in the body). */
export class LineProblem {
  constructor(
    readonly code: CommandParseCode,
    readonly message: string,
    readonly offset: number,
  ) {}
}
