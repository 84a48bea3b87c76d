/**
 * The ISO 8583 codec's errors. The decoder and the framer throw only these, on any input: a
 * listener answers an Iso8583FormatError with a 0x10-class response carrying DE39 30 when `mti` is
 * set, and drops the message (logging it) otherwise; an Iso8583FrameTooLong means the byte stream
 * cannot be resynchronised and the connection should be closed.
 */

/** What was wrong with a message, for logs and metrics. */
export type Iso8583FormatReason =
  | 'truncated' // the message ends inside the MTI, a bitmap, a length prefix or a fixed-length field
  | 'bad_mti' // the MTI is not 4 ASCII digits
  | 'unknown_mti' // 4 digits, but not a message type of the spec
  | 'bad_bitmap' // a bitmap is not in the spec's bitmap encoding (e.g. non-hex characters)
  | 'undefined_field' // a bit is set for a data element the spec does not define
  | 'bad_length_prefix' // an LLVAR/LLLVAR prefix is not ASCII digits
  | 'length_above_maximum' // an LLVAR/LLLVAR length beyond the element's maximum
  | 'length_beyond_frame' // an LLVAR/LLLVAR length running past the end of the message
  | 'bad_characters' // e.g. non-numeric where numeric, non-hex in a binary field sent as hex
  | 'trailing_bytes' // bytes left after the last element the bitmaps announce
  | 'bad_value'; // encoding only: a value of the wrong kind or length for its element

export class Iso8583FormatError extends Error {
  constructor(
    readonly reason: Iso8583FormatReason,
    /** The data element concerned; null when the error is about the MTI, the primary bitmap or the message as a whole. */
    readonly field: number | null,
    /** The message type, when its 4 digits could be read (even if the spec does not know it). */
    readonly mti: string | null,
    /** Byte offset in the message where the problem was found. */
    readonly offset: number,
    detail: string,
  ) {
    super(`${field === null ? 'message' : `DE${field}`}: ${detail}`);
    this.name = 'Iso8583FormatError';
  }
}

/** A length prefix announcing a frame longer than the connection allows. */
export class Iso8583FrameTooLong extends Error {
  constructor(
    readonly frameLength: number,
    readonly maxFrameLength: number,
  ) {
    super(`a frame of ${frameLength} bytes is longer than the maximum of ${maxFrameLength}`);
    this.name = 'Iso8583FrameTooLong';
  }
}
