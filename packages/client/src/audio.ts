/**
 * PCM16 for the realtime API (mono, 24 kHz, little-endian, base64) from and to the Float32 samples Web
 * Audio works in. Pure and platform-neutral (atob/btoa exist in browsers and in Node 16+), so the
 * page's microphone path and the Node CLI share it and it is tested without a browser.
 */
import { SAMPLE_RATE } from "../../../contracts/protocol";

/**
 * Linear-interpolation resampler that keeps its phase across chunks (a microphone delivers 128-sample
 * render quanta at 44.1 or 48 kHz; the API wants 24 kHz). No anti-alias filter: speech has little
 * energy above the 12 kHz Nyquist limit of the output.
 */
export class Resampler {
  /** Where the next output sample falls, in input samples from the start of the next chunk (-1 = `last`). */
  private position = 0;
  private last = 0;
  private readonly step: number;

  constructor(readonly fromRate: number, readonly toRate: number = SAMPLE_RATE) {
    if (!(fromRate > 0 && toRate > 0)) throw new RangeError(`sample rates must be positive (got ${fromRate} -> ${toRate})`);
    this.step = fromRate / toRate;
  }

  push(input: Float32Array): Float32Array {
    if (input.length === 0) return new Float32Array(0);
    const out: number[] = [];
    let p = this.position;
    while (p <= input.length - 1) {
      const i = Math.floor(p);
      const frac = p - i;
      const a = i < 0 ? this.last : input[i];
      const b = i + 1 < input.length ? input[i + 1] : a;
      out.push(a + (b - a) * frac);
      p += this.step;
    }
    this.position = p - input.length;
    this.last = input[input.length - 1];
    return Float32Array.from(out);
  }
}

/** Float samples in [-1, 1] (clamped) to PCM16 little-endian bytes. */
export function floatToPcm16(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(i * 2, s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff), true);
  }
  return bytes;
}

export function pcm16ToFloat(bytes: Uint8Array): Float32Array<ArrayBuffer> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 0x8000;
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunks keep String.fromCharCode's argument list well under engines' limits.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Root mean square of a chunk: the page's microphone level, and a test's "is this silence?". */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}
