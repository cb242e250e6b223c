import { base64ToBytes, bytesToBase64, floatToPcm16, pcm16ToFloat, Resampler, rms } from "./audio";

test("PCM16 round trip: little-endian, clamped, full scale both ways", () => {
  const bytes = floatToPcm16(Float32Array.from([0, 1, -1, 2, -2, 0.5]));
  expect([...bytes.subarray(0, 6)]).toEqual([0x00, 0x00, 0xff, 0x7f, 0x00, 0x80]);
  const back = pcm16ToFloat(base64ToBytes(bytesToBase64(bytes)));
  expect(back[1]).toBeCloseTo(1, 3);
  expect(back[2]).toBe(-1);
  expect(back[3]).toBeCloseTo(1, 3);
  expect(back[5]).toBeCloseTo(0.5, 3);
});

test("base64 agrees with Node's Buffer, also past the 32 KiB chunking", () => {
  const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
  expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
});

test("48 kHz to 24 kHz in uneven chunks: the right sample count, and a tone keeps its frequency and level", () => {
  const r = new Resampler(48_000, 24_000);
  const tone = (n: number, rate: number, f: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / rate));
  const input = tone(48_000, 48_000, 440);
  const out: number[] = [];
  for (let i = 0; i < input.length; i += 128 + (i % 3)) out.push(...r.push(input.subarray(i, Math.min(input.length, i + 128 + (i % 3)))));
  expect(Math.abs(out.length - 24_000)).toBeLessThanOrEqual(1);
  const expected = tone(out.length, 24_000, 440);
  const maxError = Math.max(...out.map((v, i) => Math.abs(v - expected[i])));
  expect(maxError).toBeLessThan(0.01);
  expect(rms(Float32Array.from(out))).toBeCloseTo(0.5 / Math.SQRT2, 2);
});

test("44.1 kHz to 24 kHz keeps its phase across chunks (no gap or repeat at the joins)", () => {
  const r = new Resampler(44_100);
  const ramp = Float32Array.from({ length: 44_100 }, (_, i) => i / 44_100);
  const out: number[] = [];
  for (let i = 0; i < ramp.length; i += 128) out.push(...r.push(ramp.subarray(i, i + 128)));
  const steps = out.slice(1).map((v, i) => v - out[i]);
  expect(Math.max(...steps) - Math.min(...steps)).toBeLessThan(1e-6);
  expect(Math.abs(out.length - 24_000)).toBeLessThanOrEqual(1);
});
