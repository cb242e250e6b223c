/**
 * The realtime protocol as the emulator speaks it: event names per dialect, audio arithmetic and the
 * usage object. Pure, so the token arithmetic is tested without sockets.
 */

/** Voice Live and preview api-versions use the preview names; Azure OpenAI GA (and /openai/v1) the GA names. */
export type Dialect = "preview" | "ga";

export function dialectFor(path: string, apiVersion: string | null): Dialect {
  if (path === "/voice-live/realtime") return "preview";
  if (path === "/openai/v1/realtime") return "ga";
  return apiVersion !== null && apiVersion.includes("preview") ? "preview" : "ga";
}

export interface EventNames {
  audioDelta: string;
  audioDone: string;
  transcriptDelta: string;
  transcriptDone: string;
  itemCreated: string;
}

export const EVENT_NAMES: Record<Dialect, EventNames> = {
  preview: {
    audioDelta: "response.audio.delta",
    audioDone: "response.audio.done",
    transcriptDelta: "response.audio_transcript.delta",
    transcriptDone: "response.audio_transcript.done",
    itemCreated: "conversation.item.created",
  },
  ga: {
    audioDelta: "response.output_audio.delta",
    audioDone: "response.output_audio.done",
    transcriptDelta: "response.output_audio_transcript.delta",
    transcriptDone: "response.output_audio_transcript.done",
    itemCreated: "conversation.item.added",
  },
};

/** PCM16 mono at 24 kHz: 48,000 bytes a second. */
export const SAMPLE_RATE = 24_000;
export const BYTES_PER_SECOND = SAMPLE_RATE * 2;
/** Microsoft's figures for Azure OpenAI models (notes/azure.md): 10 tokens/s in, 20 tokens/s out. */
export const INPUT_AUDIO_TOKENS_PER_SECOND = 10;
export const OUTPUT_AUDIO_TOKENS_PER_SECOND = 20;

export function audioSecondsOf(bytes: number): number {
  return bytes / BYTES_PER_SECOND;
}

export function inputAudioTokens(seconds: number): number {
  return Math.ceil(seconds * INPUT_AUDIO_TOKENS_PER_SECOND);
}

export function outputAudioTokens(seconds: number): number {
  return Math.ceil(seconds * OUTPUT_AUDIO_TOKENS_PER_SECOND);
}

/** Rough BPE size of English text: four characters a token. */
export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** One conversation item as the model sees it when it is re-sent as input. */
export interface ContextItem {
  textTokens: number;
  audioTokens: number;
}

export interface TokenSplit {
  text: number;
  audio: number;
}

export interface Usage {
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
  input_token_details: {
    cached_tokens: number;
    text_tokens: number;
    audio_tokens: number;
    cached_tokens_details: { text_tokens: number; audio_tokens: number };
  };
  output_token_details: { text_tokens: number; audio_tokens: number };
}

/**
 * Usage of one response. The whole context (instructions + every item so far) is input; the part
 * that was already input to the previous response is a cached prefix.
 */
export function responseUsage(context: TokenSplit, cachedPrefix: TokenSplit, output: TokenSplit): Usage {
  const input = context.text + context.audio;
  const cached = cachedPrefix.text + cachedPrefix.audio;
  const out = output.text + output.audio;
  return {
    total_tokens: input + out,
    input_tokens: input,
    output_tokens: out,
    input_token_details: {
      cached_tokens: cached,
      text_tokens: context.text,
      audio_tokens: context.audio,
      cached_tokens_details: { text_tokens: cachedPrefix.text, audio_tokens: cachedPrefix.audio },
    },
    output_token_details: { text_tokens: output.text, audio_tokens: output.audio },
  };
}

export function sumContext(instructionsTokens: number, items: ContextItem[]): TokenSplit {
  return items.reduce(
    (acc, item) => ({ text: acc.text + item.textTokens, audio: acc.audio + item.audioTokens }),
    { text: instructionsTokens, audio: 0 },
  );
}

/** A 440 Hz tone at a quarter of full scale: real, audible PCM16 so a client can play it. */
export function toneChunk(startSample: number, samples: number): Buffer {
  const buffer = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const value = Math.round(0.25 * 32767 * Math.sin((2 * Math.PI * 440 * (startSample + i)) / SAMPLE_RATE));
    buffer.writeInt16LE(value, i * 2);
  }
  return buffer;
}

const PHRASES = [
  "Thanks, that is helpful.",
  "Could you tell me about a project you are proud of?",
  "What was the hardest part of it?",
  "How did you measure whether it worked?",
  "Let us move on to the next question.",
];

export function replyText(turn: number): string {
  return PHRASES[turn % PHRASES.length];
}
