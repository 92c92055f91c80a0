/**
 * Every reason code `parseCollectdPacket` reports in a Rejection (and the one ParseError code), with
 * what it means and how much of the datagram is lost. "Stops the region" means: value lists decoded
 * before the damage are kept, nothing after it in the same region (the whole datagram, or the signed
 * or encrypted part it sits in) is read — exactly where collectd 5.12's `parse_packet` gives up.
 * Receivers use the code as the `reason` label of their rejected counters.
 */
export const COLLECTD_BINARY_CODES = {
  PARSE_ERR_TRUNCATED:
    'The datagram is empty, or 1–4 bytes are left after the last whole part (too few for a part). The tail is ignored.',
  PARSE_ERR_PART_LENGTH: 'A part header declares a length below 4 or past the end of its region. Stops the region.',
  PARSE_ERR_BAD_STRING:
    'A string part is 4 bytes or shorter, has no terminating NUL, or exceeds 128 bytes (names) / 256 bytes (message). Stops the region.',
  PARSE_ERR_BAD_NUMBER: 'A TIME, TIME_HR, INTERVAL, INTERVAL_HR or SEVERITY part is not exactly 12 bytes long. Stops the region.',
  PARSE_ERR_BAD_VALUES:
    'A VALUES part whose length is not 6 + 9·n (stops the region), or that carries n = 0 values (only that part is skipped).',
  PARSE_ERR_BAD_KIND: 'A VALUES part has a data-source kind code other than 0–3. Stops the region.',
  PARSE_ERR_INCOMPLETE_VALUE_LIST:
    'A value list arrived while time was 0 or host, plugin or type was empty. That value list is dropped.',
  PARSE_ERR_UNKNOWN_TYPE: 'The type of a value list is not in types.db. That value list is dropped.',
  PARSE_ERR_VALUE_COUNT: 'A value list has a different number of values than its type has data sources. It is dropped.',
  PARSE_ERR_INCOMPLETE_NOTIFICATION:
    'A notification whose severity is not 1, 2 or 4, whose time is 0 or whose message is empty. It is dropped.',
  PARSE_ERR_BAD_SIGN_HEADER: 'A SIGN_SHA256 part too short to hold the MAC and a username. Stops the region.',
  PARSE_ERR_BAD_ENCR_HEADER:
    'An ENCR_AES256 part too short for its header, or with a username length of 0 or too large. Stops the region.',
  PARSE_ERR_UNKNOWN_USER: 'Signed or encrypted by a user the AuthFile does not list. Stops the region.',
  PARSE_ERR_NO_AUTH_FILE: 'Encrypted data arrived at security level none without an AuthFile. Stops the region.',
  PARSE_ERR_SIGNATURE_MISMATCH: 'The HMAC-SHA-256 does not match (wrong password or altered data). The signed data is dropped.',
  PARSE_ERR_CHECKSUM_MISMATCH:
    'The decrypted SHA-1 does not match (wrong password or altered data). Stops the region.',
  PARSE_ERR_NESTING: 'Signed/encrypted parts nested deeper than 4 levels (collectd never sends this). Stops the region.',
  PARSE_ERR_UNSIGNED_IGNORED:
    'Security level sign: parts that are neither signed nor encrypted were skipped (one rejection per region).',
  PARSE_ERR_UNENCRYPTED_IGNORED: 'Security level encrypt: parts outside an encrypted part were skipped (one rejection per region).',
  PARSE_ERR_BAD_CONTEXT:
    'Thrown as ParseError, never a Rejection: the parse context is invalid (unknown security level, or sign/encrypt without lookupUser).',
} as const;

/** One of the codes of {@link COLLECTD_BINARY_CODES}. */
export type CollectdBinaryCode = keyof typeof COLLECTD_BINARY_CODES;
