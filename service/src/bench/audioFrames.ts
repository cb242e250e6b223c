/**
 * The bench's audio events: real-size realtime events (24 kHz PCM16, base64) whose first 12 PCM bytes
 * carry the send time and a sequence number, so the receiver measures one-way delay and counts loss
 * from the payload itself, through any hop that forwards events verbatim.
 *
 * Stamp: bytes 0-7 the sender's `process.hrtime.bigint()` (CLOCK_MONOTONIC on Linux: one clock for
 * every process on the machine, which the bench checks before it trusts a delay), bytes 8-11 the
 * frame's sequence number in its stream, both little-endian. 12 bytes are exactly 16 base64 characters
 * and a multiple of 3, so the rest of the base64 text is precomputed once and only 16 characters change
 * per frame.
 */
import { BYTES_PER_SECOND, DialectEvents, RealtimeEvent, SAMPLE_RATE } from "../../../contracts";

export const STAMP_BYTES = 12;
export const STAMP_CHARS = 16;

/** PCM16 bytes in one frame of `frameMs` milliseconds at 24 kHz. */
export function pcmBytesPerFrame(frameMs: number): number {
  const bytes = (BYTES_PER_SECOND * frameMs) / 1000;
  if (!Number.isInteger(bytes) || bytes < STAMP_BYTES || bytes % 3 !== 0) {
    throw new Error(`a ${frameMs} ms frame is ${bytes} bytes of PCM16: it must be whole, a multiple of 3 and at least ${STAMP_BYTES}`);
  }
  return bytes;
}

/** A 440 Hz tone, so the payload looks like audio to anything that cares (nothing on the path should). */
function tone(samples: number): Buffer {
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)), i * 2);
  return pcm;
}

export type FrameDirection = "uplink" | "downlink";

/**
 * The text of one audio event with a placeholder where the stamp goes. Uplink is what an SDK sends
 * (`input_audio_buffer.append`, `type` first like the SDKs write it); downlink is Voice Live's
 * `response.audio.delta` with the ids Azure puts around the delta.
 */
export class AudioFrameTemplate {
  readonly bytes: Buffer;
  /** Where the 16 stamp characters start. */
  readonly stampOffset: number;

  constructor(readonly direction: FrameDirection, readonly frameMs: number) {
    const pcm = tone(pcmBytesPerFrame(frameMs) / 2);
    const audio = "A".repeat(STAMP_CHARS) + pcm.subarray(STAMP_BYTES).toString("base64");
    const [head, tail] = direction === "uplink"
      ? [`{"type":"${RealtimeEvent.inputAudioAppend}","audio":"`, `"}`]
      : [`{"type":"${DialectEvents.preview.audioDelta}","event_id":"event_bench","response_id":"resp_bench","item_id":"item_bench","output_index":0,"content_index":0,"delta":"`, `"}`];
    this.bytes = Buffer.from(head + audio + tail, "latin1");
    this.stampOffset = head.length;
  }

  /** A fresh buffer (the socket may still hold the previous one) carrying this send time and sequence number. */
  frame(sentNs: bigint, seq: number): Buffer {
    const out = Buffer.allocUnsafe(this.bytes.length);
    this.bytes.copy(out);
    writeStamp(out, this.stampOffset, sentNs, seq);
    return out;
  }
}

const stampScratch = Buffer.alloc(STAMP_BYTES);

export function writeStamp(frame: Buffer, offset: number, sentNs: bigint, seq: number): void {
  stampScratch.writeBigUInt64LE(sentNs, 0);
  stampScratch.writeUInt32LE(seq >>> 0, 8);
  frame.write(stampScratch.toString("base64"), offset, STAMP_CHARS, "latin1");
}

export interface Stamp {
  sentNs: bigint;
  seq: number;
}

const AUDIO_KEYS = [Buffer.from(`"audio":"`), Buffer.from(`"delta":"`)];
/** The audio key sits in the first hundred-odd bytes of either event; looking further is never needed. */
const SEARCH_LIMIT = 256;

/**
 * The stamp of a received audio event, or undefined when the event is not one of the bench's audio
 * frames (a control event, or a frame a hop altered). `hint` is where the stamp was last time: events
 * forwarded verbatim keep their layout, so the search is skipped when the key is where it was.
 */
export function readStamp(frame: Buffer, hint?: number): { stamp: Stamp; offset: number } | undefined {
  let offset = -1;
  if (hint !== undefined && hint >= 9 && frame.length >= hint + STAMP_CHARS && (frame.subarray(hint - 9, hint).equals(AUDIO_KEYS[0]) || frame.subarray(hint - 9, hint).equals(AUDIO_KEYS[1]))) {
    offset = hint;
  } else {
    const head = frame.subarray(0, SEARCH_LIMIT);
    for (const key of AUDIO_KEYS) {
      const at = head.indexOf(key);
      if (at >= 0) {
        offset = at + key.length;
        break;
      }
    }
  }
  if (offset < 0 || frame.length < offset + STAMP_CHARS) return undefined;
  const raw = Buffer.from(frame.toString("latin1", offset, offset + STAMP_CHARS), "base64");
  if (raw.length !== STAMP_BYTES) return undefined;
  return { stamp: { sentNs: raw.readBigUInt64LE(0), seq: raw.readUInt32LE(8) }, offset };
}
