import { Iso8583FrameTooLong } from './iso8583-errors';

/**
 * Framing of ISO 8583 messages on a byte stream: each message is preceded by its length as 2
 * bytes, big-endian (the prefix does not count itself). A TCP connection delivers chunks split
 * anywhere; the framer keeps a partial frame until the rest arrives.
 */

/** The largest length a 2-byte prefix can carry. */
export const MAX_FRAME_LENGTH = 0xffff;

export class Iso8583Framer {
  private buffered: Buffer = Buffer.alloc(0);

  /** `maxFrameLength`: frames announced longer than this are refused (at most MAX_FRAME_LENGTH). */
  constructor(readonly maxFrameLength: number = MAX_FRAME_LENGTH) {
    if (!Number.isInteger(maxFrameLength) || maxFrameLength < 0 || maxFrameLength > MAX_FRAME_LENGTH) {
      throw new RangeError(`maxFrameLength is an integer from 0 to ${MAX_FRAME_LENGTH}`);
    }
  }

  /**
   * Adds bytes read from the stream; returns the frames now complete (without their prefixes), in
   * order. Throws Iso8583FrameTooLong when a prefix announces more than maxFrameLength: the stream
   * cannot be resynchronised after that, so every later push throws it again (close the connection).
   */
  push(chunk: Uint8Array): Buffer[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    while (this.buffered.length - offset >= 2) {
      const length = this.buffered.readUInt16BE(offset);
      if (length > this.maxFrameLength) {
        this.buffered = this.buffered.subarray(offset);
        throw new Iso8583FrameTooLong(length, this.maxFrameLength);
      }
      if (this.buffered.length - offset - 2 < length) break;
      frames.push(Buffer.from(this.buffered.subarray(offset + 2, offset + 2 + length)));
      offset += 2 + length;
    }
    this.buffered = this.buffered.subarray(offset);
    return frames;
  }

  /** Bytes of an incomplete frame (prefix included) waiting for the rest. */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}

/** A message with its 2-byte big-endian length prefix, ready to write to the stream. */
export function frameIso8583(message: Uint8Array, maxFrameLength: number = MAX_FRAME_LENGTH): Buffer {
  if (message.length > Math.min(maxFrameLength, MAX_FRAME_LENGTH)) throw new Iso8583FrameTooLong(message.length, Math.min(maxFrameLength, MAX_FRAME_LENGTH));
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}
