/**
 * What is in flight in a session's turns, as the proxy sees the events pass: the user's input audio not
 * yet confirmed by the upstream, commits and answers requested but not finished, transcripts still due.
 * Pure (no sockets, no timers: the caller passes the time), so rotation, drain, failover and stall
 * detection all ask the same questions of one tested object:
 * - `quietForSwitch()`: a rotation may move the session to another upstream now (nothing would die with
 *   the retired one; manual-commit audio not yet committed is carried across by `replay()`);
 * - `quietForDrain()`: the client may be told to reconnect now (not even an utterance in progress);
 * - `stalled(now)`: an upstream event is due and none came for `silenceMs`;
 * - `replay()`: what a new upstream must receive after a failover so no user turn is lost.
 */
import { RealtimeEvent } from "../../../contracts";

export interface TurnLimits {
  /** Input audio held for a replay (bytes of frames); the oldest frames go first above it. */
  heldAudioMaxBytes: number;
  /** Server VAD, while the user is not speaking: the last frames kept (the start of the next utterance). */
  prerollBytes: number;
  /** An upstream that sends nothing this long while an event is due is stalled. */
  silenceMs: number;
}

/** How the session's turns end, from its configuration (merged session.update objects). */
export interface TurnMode {
  /** turn_detection null: the client commits each utterance. */
  manual: boolean;
  /** Server VAD answers by itself after it commits (create_response, true unless set false). */
  autoAnswer: boolean;
  /** The user's words come back as a transcript after each commit. */
  transcription: boolean;
}

type Json = Record<string, unknown>;

export function turnModeOf(config: Json | undefined): TurnMode {
  const detection = config?.turn_detection;
  const manual = config !== undefined && "turn_detection" in config && detection === null;
  const autoAnswer = !manual && !(detection && typeof detection === "object" && (detection as Json).create_response === false);
  const transcription = config?.input_audio_transcription != null && config.input_audio_transcription !== false;
  return { manual, autoAnswer, transcription };
}

/**
 * One utterance's input audio, from its first frame until the upstream confirmed it and the conversation
 * holds it some other way: as the transcript (a session that transcribes), or as the context of the answer
 * that followed (response.done). Until then a new upstream gets it again, with its commit.
 */
interface Segment {
  frames: Buffer[];
  bytes: number;
  /** The client's commit frame (manual), or true when the upstream's VAD committed it. */
  commit?: Buffer | true;
  /** The upstream confirmed the commit (input_audio_buffer.committed); the transcript may still be due. */
  confirmed: boolean;
}

const SYNTHETIC_COMMIT = Buffer.from(JSON.stringify({ type: RealtimeEvent.inputAudioCommit }));

/** The cut answer a failover reports to the client, so it asks again. */
export interface CutAnswer {
  responseId?: string;
}

export class Turns {
  private open: Segment = { frames: [], bytes: 0, confirmed: false };
  /** Committed segments, oldest first, until confirmed and then transcribed (or answered, without transcription). */
  private sealed: Segment[] = [];
  private heldBytes = 0;
  userSpeaking = false;
  /** response.create sent (or server VAD committed with auto answers), response.created not yet seen. */
  private answerRequested = false;
  private responding = false;
  private responseId?: string;
  /** Upstream time of the last event, or of the last request that makes one due. */
  private lastHeardAt: number;
  mode: TurnMode = { manual: false, autoAnswer: true, transcription: false };

  constructor(private readonly limits: TurnLimits, now: number) {
    this.lastHeardAt = now;
  }

  // ---- client events ---------------------------------------------------------------------------

  clientAudio(frame: Buffer): void {
    this.open.frames.push(frame);
    this.open.bytes += frame.length;
    this.heldBytes += frame.length;
    // Server VAD, the user not speaking: only a pre-roll is worth replaying (silence to the model).
    if (!this.mode.manual && !this.userSpeaking) this.trimOpen(this.limits.prerollBytes);
    this.bound();
  }

  clientCommit(frame: Buffer, now: number): void {
    this.sealOpen(frame);
    this.lastHeardAt = Math.max(this.lastHeardAt, now);
  }

  clientClear(): void {
    this.heldBytes -= this.open.bytes;
    this.open = { frames: [], bytes: 0, confirmed: false };
  }

  clientResponseCreate(now: number): void {
    this.answerRequested = true;
    this.lastHeardAt = Math.max(this.lastHeardAt, now);
  }

  // ---- upstream events -------------------------------------------------------------------------

  /** Every upstream event (audio deltas included): the upstream is alive. */
  heard(now: number): void {
    this.lastHeardAt = now;
  }

  speechStarted(): void {
    this.userSpeaking = true;
  }

  /** input_audio_buffer.committed: the oldest commit the client sent, or the open utterance (server VAD). */
  committed(): void {
    this.userSpeaking = false;
    const waiting = this.sealed.find((s) => !s.confirmed);
    if (waiting) waiting.confirmed = true;
    else {
      this.sealOpen(true);
      this.sealed[this.sealed.length - 1].confirmed = true;
      if (this.mode.autoAnswer) this.answerRequested = true;
    }
  }

  /** The transcript of the oldest confirmed utterance arrived (or failed): its audio is no longer needed. */
  transcribed(): void {
    const index = this.sealed.findIndex((s) => s.confirmed);
    if (index >= 0) this.drop(index);
  }

  responseCreated(responseId: string | undefined): void {
    this.answerRequested = false;
    this.responding = true;
    this.responseId = responseId;
  }

  /** An answer ended: without transcription, the utterances it answered are in the upstream's context, and the conversation's. */
  responseDone(): void {
    this.answerRequested = false;
    this.responding = false;
    this.responseId = undefined;
    if (this.mode.transcription) return;
    for (let i = this.sealed.length - 1; i >= 0; i--) if (this.sealed[i].confirmed) this.drop(i);
  }

  /** An upstream error: a commit of an empty buffer drops its segment; a refused response.create ends the wait. */
  upstreamError(code: string | undefined): void {
    if (code === "input_audio_buffer_commit_empty") {
      const index = this.sealed.findIndex((s) => !s.confirmed);
      if (index >= 0) this.drop(index);
      return;
    }
    this.answerRequested = false;
  }

  // ---- questions -------------------------------------------------------------------------------

  answerInFlight(): boolean {
    return this.answerRequested || this.responding;
  }

  isResponding(): boolean {
    return this.responding;
  }

  /**
   * Nothing the retired upstream still owes the client: no commit unconfirmed, transcript due, answer
   * requested or streaming, speech in progress. (Utterances confirmed and not answered yet are carried
   * across by the replay.)
   */
  quietForSwitch(): boolean {
    return !this.userSpeaking && !this.answerInFlight() && !this.sealed.some((s) => !s.confirmed || this.mode.transcription);
  }

  /** As above, and no audio a reconnect could not carry: no utterance in progress, none unanswered. */
  quietForDrain(): boolean {
    return this.quietForSwitch() && this.sealed.length === 0 && (this.mode.manual ? this.open.bytes === 0 : true);
  }

  /** An event is due (a commit's confirmation, an answer, the rest of one) and the upstream has been silent for `silenceMs`. */
  stalled(now: number): boolean {
    const due = this.answerInFlight() || this.sealed.some((s) => !s.confirmed);
    return due && now - this.lastHeardAt >= this.limits.silenceMs;
  }

  heldAudioBytes(): number {
    return this.heldBytes;
  }

  // ---- moving to a new upstream ----------------------------------------------------------------

  /**
   * The frames a new upstream needs (a failover, or a rotation's switch): every utterance not yet
   * confirmed and transcribed, each followed by its commit, then the utterance in progress (manual
   * mode), or the pre-roll (server VAD). The pre-roll goes at a rotation too: the user may have started
   * speaking into the old upstream before its speech_started reached the proxy (the switch then looked
   * quiet), and without it the new upstream would hear the utterance without its start. The state is
   * reset as if those were just sent: the commits await their confirmation again.
   */
  replay(): Buffer[] {
    const frames: Buffer[] = [];
    for (const segment of this.sealed) {
      frames.push(...segment.frames, segment.commit === true || segment.commit === undefined ? SYNTHETIC_COMMIT : segment.commit);
      segment.confirmed = false;
      if (segment.commit === true) segment.commit = SYNTHETIC_COMMIT;
    }
    frames.push(...this.open.frames);
    return frames;
  }

  /** The upstream went away: the answer it owed (if any) is cut; nothing is in flight on the next one yet. */
  cut(now: number): CutAnswer | undefined {
    const cut = this.answerInFlight() ? { responseId: this.responseId } : undefined;
    this.answerRequested = false;
    this.responding = false;
    this.responseId = undefined;
    this.userSpeaking = false;
    this.lastHeardAt = now;
    return cut;
  }

  // ---- internals -------------------------------------------------------------------------------

  private sealOpen(commit: Buffer | true): void {
    this.sealed.push({ ...this.open, commit });
    this.open = { frames: [], bytes: 0, confirmed: false };
  }

  private drop(index: number): void {
    this.heldBytes -= this.sealed[index].bytes;
    this.sealed.splice(index, 1);
  }

  private trimOpen(maxBytes: number): void {
    while (this.open.bytes > maxBytes && this.open.frames.length > 1) {
      const frame = this.open.frames.shift()!;
      this.open.bytes -= frame.length;
      this.heldBytes -= frame.length;
    }
  }

  /** Above the bound, the oldest audio goes first (the oldest utterance's, then the open one's). */
  private bound(): void {
    while (this.heldBytes > this.limits.heldAudioMaxBytes) {
      const segment = this.sealed.find((s) => s.frames.length > 0) ?? this.open;
      const frame = segment.frames.shift();
      if (!frame) return;
      segment.bytes -= frame.length;
      this.heldBytes -= frame.length;
    }
  }
}
