/**
 * The client library as an outsider gets it: `npm pack` of packages/client, the tarball installed into a
 * fresh folder, then
 *   - imported by a Node ES module that connects to a WebSocket server with Node's own WebSocket,
 *   - type-checked by a consumer compiled with `moduleResolution: nodenext` (the types are real, not `any`),
 *   - bundled for the browser with esbuild and run where there is no `require`, no `process`, only a
 *     W3C WebSocket.
 * Everything is written under one temporary folder, removed at the end.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { WebSocketServer } from "ws";
import { REALTIME_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from "../../contracts/protocol";

const root = join(__dirname, "..", "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let work: string;
let consumer: string;
let packed: { filename: string; files: Array<{ path: string }>; version: string; name: string };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "voice-client-pack-"));
  // prepack builds dist/ (esbuild bundles and tsc declarations) before the tarball is made.
  const out = execFileSync(npm, ["pack", "--workspace", "packages/client", "--pack-destination", work, "--json"], { cwd: root, encoding: "utf8" });
  // The build's own lines come first on stdout; the JSON report starts at the first line that is "[".
  packed = (JSON.parse(out.slice(out.search(/^\[/m))) as (typeof packed)[])[0];
  consumer = join(work, "consumer");
  mkdirSync(consumer);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
  // --offline: the package has no dependencies of its own (ws is an optional peer), so nothing is fetched.
  execFileSync(npm, ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(work, packed.filename)], { cwd: consumer, encoding: "utf8" });
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the tarball holds the builds, the types, the README and the MIT license, and no sources or tests", () => {
  const files = packed.files.map((f) => f.path).sort();
  expect(packed.name).toBe("@voice/client");
  expect(packed.version).toMatch(/^\d+\.\d+\.\d+/);
  for (const required of ["LICENSE", "README.md", "package.json", "dist/index.mjs", "dist/node.mjs", "dist/index.d.mts"]) expect(files).toContain(required);
  expect(files.filter((f) => f.startsWith("src/") || f.endsWith(".test.ts") || f.endsWith(".test.d.ts"))).toEqual([]);
  const manifest = JSON.parse(readFileSync(join(consumer, "node_modules", "@voice", "client", "package.json"), "utf8")) as { license: string; exports: unknown };
  expect(manifest.license).toBe("MIT");
  expect(readFileSync(join(consumer, "node_modules", "@voice", "client", "LICENSE"), "utf8")).toMatch(/^MIT License/);
});

test("a Node ES module imports the installed package and reaches `ready` over Node's own WebSocket", async () => {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (protocols) => (protocols.has(REALTIME_SUBPROTOCOL) ? REALTIME_SUBPROTOCOL : false) });
  const offered: string[][] = [];
  server.on("connection", (socket, request) => {
    offered.push(String(request.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()));
    socket.send(JSON.stringify({ type: "session.created", event_id: "e1", session: { id: "s1" } }));
  });
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  try {
    writeFileSync(join(consumer, "node.mjs"), [
      'import { createVoiceClient, DEFAULT_RECONNECT } from "@voice/client";',
      'const client = createVoiceClient({ url: process.argv[2], token: "user-token", tokenIn: "protocol" });',
      "const ready = await client.connect();",
      'console.log(JSON.stringify({ ready, maxAttempts: typeof DEFAULT_RECONNECT.maxAttempts }));',
      "client.close();",
    ].join("\n"));
    const out = await new Promise<string>((resolve, reject) => {
      const { execFile } = require("node:child_process") as typeof import("node:child_process");
      execFile(process.execPath, ["node.mjs", `ws://127.0.0.1:${port}/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime`], { cwd: consumer, timeout: 20_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout));
    });
    const line = JSON.parse(out.trim().split("\n").pop()!) as { ready: { reconnected: boolean }; maxAttempts: string };
    expect(line.ready.reconnected).toBe(false);
    expect(line.maxAttempts).toBe("number");
    expect(offered[0]).toEqual([REALTIME_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}user-token`]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}, 30_000);

test("a TypeScript consumer with nodenext resolution gets the package's types (a wrong call is a type error)", () => {
  writeFileSync(join(consumer, "typed.mts"), [
    'import { createVoiceClient, DEFAULT_RECONNECT, type ReconnectPolicy, type VoiceClient } from "@voice/client";',
    "const policy: ReconnectPolicy = DEFAULT_RECONNECT;",
    'const client: VoiceClient = createVoiceClient({ url: "wss://voice.example.com/voice-live/realtime", reconnect: policy });',
    'client.on("ready", ({ resumed }) => { const flag: boolean = resumed; void flag; });',
    "// @ts-expect-error url must be a string: if the types were missing (any), this line would be an unused expectation",
    "createVoiceClient({ url: 42 });",
  ].join("\n"));
  writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, types: [], lib: ["ES2023"] },
    files: ["typed.mts"],
  }));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  expect(() => execFileSync(process.execPath, [tsc, "-p", consumer], { encoding: "utf8", stdio: "pipe" })).not.toThrow();
}, 60_000);

test("bundled for the browser, it runs with only a W3C WebSocket (no require, no process) and offers the token as a subprotocol", async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  writeFileSync(join(consumer, "browser.mjs"), [
    'import { createVoiceClient } from "@voice/client";',
    'globalThis.started = createVoiceClient({ url: "wss://voice.example.com/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime", token: "browser-token" });',
    "globalThis.connecting = globalThis.started.connect().catch((error) => error);",
  ].join("\n"));
  const result = await esbuild.build({ entryPoints: [join(consumer, "browser.mjs")], absWorkingDir: consumer, bundle: true, write: false, platform: "browser", format: "iife", logLevel: "silent" });
  const code = result.outputFiles[0].text;
  expect(code).not.toMatch(/from\s*["']node:/);
  const opened: Array<{ url: string; protocols: string[] }> = [];
  class FakeWebSocket {
    readyState = 0;
    bufferedAmount = 0;
    binaryType = "blob";
    onopen: unknown = null;
    onmessage: unknown = null;
    onclose: unknown = null;
    onerror: unknown = null;
    constructor(url: string, protocols: string[]) {
      opened.push({ url, protocols });
    }
    send() {}
    close() {}
  }
  const sandbox: Record<string, unknown> = { WebSocket: FakeWebSocket, setTimeout, clearTimeout, Math, Date, URL, JSON, Promise, console };
  sandbox.globalThis = sandbox;
  runInNewContext(code, sandbox);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(opened).toHaveLength(1);
  expect(opened[0].url).toMatch(/^wss:\/\/voice\.example\.com\/voice-live\/realtime\?/);
  expect(opened[0].protocols).toEqual([REALTIME_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}browser-token`]);
  (sandbox.started as { close(): void }).close();
  await sandbox.connecting;
});
