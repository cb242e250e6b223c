/**
 * The realtime protocol as the emulator speaks it: audio arithmetic and the usage object (event names
 * are in contracts/protocol.ts). Pure, so the token arithmetic is tested without sockets.
 */
import { BYTES_PER_SECOND, SAMPLE_RATE } from "../../../contracts";

/**
 * Microsoft's figures for Azure OpenAI models in Voice Live: about 10 audio tokens a second of input and
 * 20 a second of output ("How to use the Voice Live API", token usage, learn.microsoft.com).
 */
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
    /** Azure OpenAI (and OpenAI) only: Voice Live's documented TokenDetails has no such field. */
    cached_tokens_details?: { text_tokens: number; audio_tokens: number };
  };
  output_token_details: { text_tokens: number; audio_tokens: number };
}

/**
 * Usage of one response. The whole context (instructions + every item so far) is input; `cachedPrefix`
 * is the part the prompt cache served (see cachedPrefixOf). Voice Live reports `input_token_details`
 * as `{ cached_tokens, text_tokens, audio_tokens }` only (Voice Live API reference 2026-01-01-preview,
 * TokenDetails: "cached_tokens | integer | Optional. Cached tokens used", no per-kind split;
 * MicrosoftDocs/azure-ai-docs, ms.date 2026-01-30, read 2026-12-03): `voiceLive` emits that shape.
 */
export function responseUsage(context: TokenSplit, cachedPrefix: TokenSplit, output: TokenSplit, shape: { voiceLive?: boolean } = {}): Usage {
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
      ...(shape.voiceLive ? {} : { cached_tokens_details: { text_tokens: cachedPrefix.text, audio_tokens: cachedPrefix.audio } }),
    },
    output_token_details: { text_tokens: output.text, audio_tokens: output.audio },
  };
}

/**
 * Azure's prompt-cache rule ("Prompt caching", learn.microsoft.com/azure/ai-foundry/openai/how-to/
 * prompt-caching, read 2026-12-03): nothing is cached below 1,024 identical prefix tokens; above it,
 * hits come in 128-token increments. Realtime operations are included.
 */
export const CACHE_MINIMUM_TOKENS = 1024;
export const CACHE_INCREMENT_TOKENS = 128;

/**
 * What the cache serves of the previous response's input (instructions, then its items in order, each
 * item's text before its audio): the longest prefix in whole increments from the minimum, split by kind
 * in the order the tokens come.
 */
export function cachedPrefixOf(instructionsTokens: number, previousItems: ContextItem[]): TokenSplit {
  const length = previousItems.reduce((s, i) => s + i.textTokens + i.audioTokens, instructionsTokens);
  if (length < CACHE_MINIMUM_TOKENS) return { text: 0, audio: 0 };
  let left = CACHE_MINIMUM_TOKENS + Math.floor((length - CACHE_MINIMUM_TOKENS) / CACHE_INCREMENT_TOKENS) * CACHE_INCREMENT_TOKENS;
  const out = { text: Math.min(left, instructionsTokens), audio: 0 };
  left -= out.text;
  for (const item of previousItems) {
    if (left <= 0) break;
    const text = Math.min(left, item.textTokens);
    out.text += text;
    left -= text;
    const audio = Math.min(left, item.audioTokens);
    out.audio += audio;
    left -= audio;
  }
  return out;
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
