/**
 * What the client holds while it cannot send (connecting, reconnecting, waiting for a resume): the
 * serialised events in order, bounded. Audio is bounded by size and its oldest chunks are dropped
 * first (the newest speech matters most when the user is still talking); other events are bounded by
 * count. Every drop is counted, so the application can say what was lost.
 */
import { BASE64_CHARS_PER_SECOND, RealtimeEvent } from "../../../contracts/protocol";

export interface OutboxLimits {
  /** Base64 characters of `input_audio_buffer.append` audio held (default: 10 s of PCM16 at 24 kHz). */
  maxAudioChars: number;
  /** Other events held (session.update, commit, response.create, ...). */
  maxEvents: number;
}

export const DEFAULT_OUTBOX: OutboxLimits = {
  maxAudioChars: 10 * BASE64_CHARS_PER_SECOND,
  maxEvents: 256,
};

export interface DropCounts {
  audioChunks: number;
  /** Base64 characters of audio dropped (64,000 a second of PCM16 at 24 kHz). */
  audioChars: number;
  events: number;
}

interface Entry {
  text: string;
  /** Base64 characters of audio in this entry; 0 for other events. */
  audioChars: number;
}

export class Outbox {
  private entries: Entry[] = [];
  private audioChars = 0;
  private events = 0;
  readonly dropped: DropCounts = { audioChunks: 0, audioChars: 0, events: 0 };

  constructor(private readonly limits: OutboxLimits) {}

  get size(): number {
    return this.entries.length;
  }

  /** Characters held (audio and events). */
  get chars(): number {
    return this.entries.reduce((sum, e) => sum + e.text.length, 0);
  }

  get heldAudioChars(): number {
    return this.audioChars;
  }

  /** Adds an event; returns true when something was dropped to make room. */
  push(text: string, audioChars: number): boolean {
    const before = this.dropped.audioChunks + this.dropped.events;
    this.entries.push({ text, audioChars });
    if (audioChars > 0) {
      this.audioChars += audioChars;
      while (this.audioChars > this.limits.maxAudioChars) this.dropFirst((e) => e.audioChars > 0);
    } else {
      this.events++;
      while (this.events > this.limits.maxEvents) this.dropFirst((e) => e.audioChars === 0);
    }
    return this.dropped.audioChunks + this.dropped.events > before;
  }

  /** Puts events back in front, oldest first (events a server did not forward: they go before anything held since). */
  unshiftAll(texts: Array<{ text: string; audioChars: number }>): void {
    this.entries.unshift(...texts);
    for (const entry of texts) this.account(entry, 1);
  }

  peek(): string | undefined {
    return this.entries[0]?.text;
  }

  shift(): string | undefined {
    const entry = this.entries.shift();
    if (entry) this.account(entry, -1);
    return entry?.text;
  }

  clear(): void {
    this.entries = [];
    this.audioChars = 0;
    this.events = 0;
  }

  private dropFirst(match: (entry: Entry) => boolean): void {
    const index = this.entries.findIndex(match);
    if (index < 0) return;
    const [entry] = this.entries.splice(index, 1);
    this.account(entry, -1);
    if (entry.audioChars > 0) {
      this.dropped.audioChunks++;
      this.dropped.audioChars += entry.audioChars;
    } else {
      this.dropped.events++;
    }
  }

  private account(entry: Entry, sign: 1 | -1): void {
    if (entry.audioChars > 0) this.audioChars += sign * entry.audioChars;
    else this.events += sign;
  }
}

/**
 * The base64 audio length of an `input_audio_buffer.append` event (0 for any other event). Only the
 * event the application built is looked at, never a frame from the network.
 */
export function audioCharsOf(event: { type?: unknown; audio?: unknown }): number {
  return event.type === RealtimeEvent.inputAudioAppend && typeof event.audio === "string" ? Math.max(1, event.audio.length) : 0;
}
