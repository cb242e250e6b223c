/**
 * The microphone tap, in the audio rendering thread: every render quantum (128 frames of the first
 * channel at the context's rate) is copied to the page, which resamples it to 24 kHz PCM16. Bundled to
 * mic-worklet.js and loaded with `audioWorklet.addModule` from the page's own origin.
 */

// The AudioWorkletGlobalScope's names (TypeScript ships no lib for it).
declare class AudioWorkletProcessor {
  readonly port: { postMessage(data: unknown, transfer?: unknown[]): void };
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

class MicCapture extends AudioWorkletProcessor {
  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel && channel.length > 0) {
      const copy = channel.slice(0);
      this.port.postMessage(copy, [copy.buffer]);
    }
    return true;
  }
}

registerProcessor("mic-capture", MicCapture);

export {};
