/**
 * The test page in a real headless Chromium (Debian's `chromium`, driven by playwright-core; `.ci/run`
 * installs it when missing) against the local stack: a fake microphone plays a WAV made here, the page
 * streams it through the client library and the proxy to the emulator, plays the answer through Web
 * Audio, and shows the first-audio latency. The screenshot is checked for content and kept for a
 * person to look at (its path is printed).
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import { loadPage, PAGE_DIR } from "../../service/src/server/page";
import { freePort } from "../support/ports";
import { mintToken, startStack, type TestStack } from "../support/stack";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const RESPONSE_AUDIO_MS = 400;

/** A mono 16-bit PCM WAV: a 440 Hz tone at half scale, what the fake microphone plays (in a loop). */
function toneWav(seconds: number, rate = 48_000): Buffer {
  const samples = Math.round(seconds * rate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0, "ascii");
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write("WAVEfmt ", 8, "ascii");
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36, "ascii");
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return wav;
}

interface Snapshot {
  state: string;
  chunksSent: number;
  secondsSent: number;
  micLevel: number;
  framesPlayed: number;
  framesScheduled: number;
  latencyMs?: number;
  audioDeltas: number;
  sampleRate?: number;
}
const snapshot = (page: Page) => page.evaluate(() => (window as unknown as { voicePage: { snapshot(): Snapshot } }).voicePage.snapshot());

let stack: TestStack;
let browser: Browser;
/** The hybrid's UI host (Vercel's part): the same page, from another origin, with no CSP of the proxy's. */
let ui: Server;
let proxyPort: number;
let uiPort: number;
const dir = mkdtempSync(join(tmpdir(), "voice-page-"));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  const wav = join(dir, "microphone.wav");
  writeFileSync(wav, toneWav(2));
  [proxyPort, uiPort] = await Promise.all([freePort(), freePort()]);
  stack = await startStack({
    // The proxy's own page and the UI at http://localhost:<uiPort> may connect; http://127.0.0.1:<uiPort> may not.
    env: { TEST_PAGE: "true", PORT: String(proxyPort), ALLOWED_ORIGINS: `http://127.0.0.1:${proxyPort},http://localhost:${uiPort}` },
    emulators: [{ responseAudioMs: RESPONSE_AUDIO_MS, chunkMs: 50, firstAudioDelayMs: 30 }],
  });
  const files = await loadPage(PAGE_DIR);
  ui = createServer((req, res) => {
    const body = files.get(req.url === "/" ? "index.html" : (req.url?.slice(1) as "app.js"));
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": req.url === "/" ? "text/html" : "text/javascript" }).end(body);
  });
  await new Promise<void>((resolve) => ui.listen(uiPort, "127.0.0.1", resolve));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
      "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${wav}`,
    ],
  });
}, 20_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => (ui ? ui.close(resolve) : resolve(undefined)));
});

test("one full turn: microphone to the emulator through the proxy, the answer played back, latency shown, a screenshot with all of it", async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => message.type() === "error" && problems.push(`console: ${message.text()}`));
  page.on("response", (response) => response.status() >= 400 && problems.push(`HTTP ${response.status()} ${response.url()}`));

  const token = await mintToken({ sub: "browser-user" });
  await page.goto(`http://127.0.0.1:${stack.proxy.port}/#token=${token}`);
  // The token left the address bar; the endpoint defaults to this proxy's Voice Live path.
  expect(page.url()).toBe(`http://127.0.0.1:${stack.proxy.port}/`);
  expect(await page.inputValue("#endpoint")).toBe(`ws://127.0.0.1:${stack.proxy.port}/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime`);

  await page.click("#connect");
  await page.waitForFunction(() => document.getElementById("state")?.textContent === "ready", undefined, { timeout: 5_000 });
  expect(await page.textContent("#session")).toMatch(/^[0-9a-f-]{13}$/);

  await page.click("#talk");
  // At least 0.6 s of the fake microphone's tone, heard (not silence), sent in 100 ms chunks.
  await page.waitForFunction(() => {
    const s = (window as unknown as { voicePage: { snapshot(): Snapshot } }).voicePage.snapshot();
    return s.secondsSent >= 0.6 && s.micLevel > 0.05;
  }, undefined, { timeout: 5_000 });
  await page.click("#send");

  await page.waitForFunction(
    (frames) => (window as unknown as { voicePage: { snapshot(): Snapshot } }).voicePage.snapshot().framesPlayed >= frames,
    (RESPONSE_AUDIO_MS / 1000) * 24_000,
    { timeout: 8_000 },
  );
  const after = await snapshot(page);

  // What the page sent is what reached the upstream, through the proxy.
  const received = stack.emulators[0].stats().received;
  expect(after.chunksSent).toBeGreaterThanOrEqual(6);
  expect(received["input_audio_buffer.append"]).toBe(after.chunksSent);
  expect(received["input_audio_buffer.commit"]).toBe(1);
  expect(received["response.create"]).toBe(1);
  expect(received["session.update"]).toBe(1);

  // The answer was played: every frame scheduled has played, and it is the whole response.
  expect(after.framesPlayed).toBe(after.framesScheduled);
  expect(after.framesPlayed).toBe((RESPONSE_AUDIO_MS / 1000) * 24_000);
  expect(after.latencyMs).toBeGreaterThan(0);
  expect(await page.textContent("#latency")).toMatch(/^\d+ ms$/);
  expect(await page.textContent("#played")).toBe("0.40 s");
  expect((await page.textContent("#transcript"))?.trim().length).toBeGreaterThan(3);
  const log = (await page.textContent("#log")) ?? "";
  expect(log).toContain("response.done");
  expect(log).not.toMatch(/error|failed|warning/);
  expect(problems).toEqual([]);

  const shot = join(dir, "page.png");
  const png = await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
  // Decoded by the browser itself: a page with text, panels and buttons, not a blank or one-colour image.
  const pixels = await page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d")!;
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, image.width, image.height).data;
    const colours = new Set<number>();
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (data[i] + data[i + 1] + data[i + 2] < 200) dark++;
    }
    return { width: image.width, height: image.height, colours: colours.size, darkShare: dark / (data.length / 4) };
  }, png.toString("base64"));
  expect(pixels.width).toBe(1000);
  expect(pixels.colours).toBeGreaterThan(50);
  expect(pixels.darkShare).toBeGreaterThan(0.02);
}, 20_000);

test("the hybrid: the page on another origin (the UI's host) connects with the token in the subprotocol and reads /readyz through CORS; an origin not allowed gets neither", async () => {
  const token = await mintToken({ sub: "hybrid-user" });
  const endpoint = `ws://127.0.0.1:${proxyPort}/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime`;
  const allowed = await browser.newPage();
  await allowed.goto(`http://localhost:${uiPort}/#endpoint=${encodeURIComponent(endpoint)}&token=${token}`);
  expect(await allowed.inputValue("#endpoint")).toBe(endpoint);
  await allowed.click("#connect");
  await allowed.waitForFunction(() => document.getElementById("state")?.textContent === "ready", undefined, { timeout: 5_000 });
  const ready = await allowed.evaluate((url) => fetch(url).then((r) => r.json()), `http://127.0.0.1:${proxyPort}/readyz`);
  expect(ready).toMatchObject({ status: "ready" });
  expect(stack.emulators[0].stats().lastHeaders?.origin).toBeUndefined(); // the browser's origin stops at the proxy
  await allowed.click("#disconnect");

  const foreign = await browser.newPage();
  await foreign.goto(`http://127.0.0.1:${uiPort}/`);
  const outcome = await foreign.evaluate(async ({ readyz, url, token }) => {
    const fetched = await fetch(readyz).then(() => "read", (error: Error) => `blocked: ${error.name}`);
    const closed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, ["realtime", `openai-insecure-api-key.${token}`]);
      ws.onclose = (event) => resolve(event.code);
    });
    return { fetched, closed };
  }, { readyz: `http://127.0.0.1:${proxyPort}/readyz`, url: endpoint, token });
  expect(outcome).toEqual({ fetched: "blocked: TypeError", closed: 1006 });
  // 1006 is all a browser learns; the proxy says why it refused.
  const metrics = await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/metrics`)).text();
  expect(metrics).toMatch(/voice_connect_failures[^\n]*reason="origin_not_allowed"[^\n]* 1\b/);
}, 15_000);

test("a dropped connection: the page reconnects by itself and resumes the same session, shows it, and the next turn works", async () => {
  const page = await browser.newPage();
  const token = await mintToken({ sub: "browser-drop" });
  const sockets: Socket[] = [];
  const track = (socket: Socket) => sockets.push(socket);
  stack.proxy.server.on("connection", track);
  try {
    await page.goto(`http://127.0.0.1:${proxyPort}/#token=${token}`);
    await page.click("#connect");
    await page.waitForFunction(() => document.getElementById("state")?.textContent === "ready", undefined, { timeout: 5_000 });
    const firstSession = await page.textContent("#session");
    // The network drops: no close frame, the browser sees 1006.
    for (const socket of sockets) socket.destroy();
    await page.waitForFunction(() => document.getElementById("reconnects")?.textContent?.startsWith("1 /"), undefined, { timeout: 5_000 });
    await page.waitForFunction(() => document.getElementById("state")?.textContent === "ready", undefined, { timeout: 5_000 });
    // The proxy saw the drop and kept the session: the page resumed it with its token.
    await page.waitForFunction(() => document.getElementById("reconnects")?.textContent === "1 / 1", undefined, { timeout: 5_000 });
    expect(await page.textContent("#session")).toBe(firstSession);
    expect(await page.textContent("#log")).toMatch(/closed 1006 .*reconnect #1 in \d+ ms/);
    await page.click("#talk");
    await page.waitForFunction(() => (window as unknown as { voicePage: { snapshot(): Snapshot } }).voicePage.snapshot().secondsSent >= 0.3, undefined, { timeout: 5_000 });
    await page.click("#send");
    await page.waitForFunction(() => (document.getElementById("log")?.textContent ?? "").includes("response.done"), undefined, { timeout: 5_000 });
  } finally {
    stack.proxy.server.off("connection", track);
  }
}, 15_000);
