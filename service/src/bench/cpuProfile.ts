/**
 * Where the proxy's CPU goes, from a V8 `.cpuprofile` (`node --cpu-prof`, written by `npm run bench --
 * --profile DIR`): self time by function and by area (relay, ws, telemetry, logging, Node internals,
 * GC), inclusive time of the service's own functions, and optionally µs per relayed frame and a folded
 * stack file for flame graph tools.
 *
 *   node service/dist/service/src/bench/cpuProfile.js FILE.cpuprofile [--from-us T0 --to-us T1] [--frames N] [--top 25]
 *        [--folded OUT.folded] [--svg OUT.svg [--title TEXT]]
 *
 * V8 stamps samples with the monotonic clock in µs (the same clock as `process.hrtime`), so the bench's
 * measurement window (printed with the command) cuts the profile to the streaming only: start-up,
 * session opening and the drain are left out, and µs per frame are per frame of that window.
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the process a frame belongs to: the unit the summary and the lead's changes talk about. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)") return "idle";
  if (functionName === "(program)") return "V8/native (program)";
  if (functionName === "(root)") return "root";
  const modulePath = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modulePath) {
    const name = modulePath[1];
    if (name.startsWith("@opentelemetry") || name.startsWith("@azure")) return "telemetry (OpenTelemetry)";
    return name;
  }
  const service = /service\/(?:dist\/service\/)?src\/(.+?)\.(?:js|ts)$/.exec(url);
  if (service) return `service: ${service[1]}`;
  const contracts = /(?:dist\/)?contracts\/(.+?)\.(?:js|ts)$/.exec(url);
  if (contracts) return `contracts: ${contracts[1]}`;
  if (url.startsWith("node:")) return `node: ${url.slice(5).replace(/^internal\//, "")}`;
  if (url === "") return functionName ? `native: ${functionName}` : "native";
  return url;
}

export function functionKey(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/(node_modules\/)/, "$1").replace(/^.*\/(service\/src\/|contracts\/)/, "$1").replace(/^file:\/\//, "");
  const name = frame.functionName || "(anonymous)";
  return file ? `${name} ${file}:${frame.lineNumber + 1}` : name;
}

export interface ProfileSummary {
  /** Sampled time, µs, and the part of it that was not idle. */
  totalMicros: number;
  busyMicros: number;
  byFunction: Array<{ key: string; area: string; selfMicros: number }>;
  byArea: Array<{ area: string; selfMicros: number }>;
  /** Inclusive time of functions in the service's own code (each counted once per sample). */
  serviceInclusive: Array<{ key: string; inclusiveMicros: number }>;
}

/** Monotonic time window in µs; samples outside it are left out. */
export interface ProfileWindow {
  fromMicros: number;
  toMicros: number;
}

/** Sample i's node and the time it stands for (the gap to the next sample), inside the window if given. */
function* timedSamples(profile: CpuProfile, window?: ProfileWindow): Generator<[number, number]> {
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromMicros || at >= window.toMicros)) continue;
    yield [profile.samples[i], Math.max(0, profile.timeDeltas[i + 1] ?? 0)];
  }
}

export function summariseProfile(profile: CpuProfile, window?: ProfileWindow): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  for (const [id, micros] of timedSamples(profile, window)) self.set(id, (self.get(id) ?? 0) + micros);
  const functions = new Map<string, { area: string; selfMicros: number }>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node) continue;
    total += micros;
    const area = areaOf(node.callFrame);
    if (area === "idle") idle += micros;
    const key = functionKey(node.callFrame);
    const entry = functions.get(key) ?? { area, selfMicros: 0 };
    entry.selfMicros += micros;
    functions.set(key, entry);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    // Inclusive: every distinct service function on the stack gets this sample's time once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!areaOf(frame).startsWith("service:")) continue;
      const k = functionKey(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + micros);
    }
  }
  return {
    totalMicros: total,
    busyMicros: total - idle,
    byFunction: [...functions].map(([key, v]) => ({ key, ...v })).sort((a, b) => b.selfMicros - a.selfMicros),
    byArea: [...areas].map(([area, selfMicros]) => ({ area, selfMicros })).sort((a, b) => b.selfMicros - a.selfMicros),
    serviceInclusive: [...inclusive].map(([key, inclusiveMicros]) => ({ key, inclusiveMicros })).sort((a, b) => b.inclusiveMicros - a.inclusiveMicros),
  };
}

/** Brendan Gregg's folded stacks (`root;a;b count`), for flamegraph.pl, speedscope or inferno. */
export function foldedStacks(profile: CpuProfile, window?: ProfileWindow): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const counts = new Map<string, number>();
  for (const [sample, micros] of timedSamples(profile, window)) {
    const stack: string[] = [];
    for (let at: number | undefined = sample; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.functionName === "(root)") continue;
      stack.unshift(functionKey(frame).replace(/;/g, ","));
    }
    if (stack[0] === "(idle)") continue;
    const line = stack.join(";");
    counts.set(line, (counts.get(line) ?? 0) + micros);
  }
  return [...counts].map(([stack, micros]) => `${stack} ${Math.round(micros)}`).join("\n") + "\n";
}

/** A minimal flame graph (SVG, widths by time, root at the bottom) from folded stacks. */
export function flameGraphSvg(folded: string, title: string, width = 1600): string {
  interface Frame { name: string; micros: number; children: Map<string, Frame> }
  const root: Frame = { name: "all", micros: 0, children: new Map() };
  for (const line of folded.split("\n")) {
    const cut = line.lastIndexOf(" ");
    if (cut < 0) continue;
    const micros = Number(line.slice(cut + 1));
    let node = root;
    node.micros += micros;
    for (const name of line.slice(0, cut).split(";")) {
      let child = node.children.get(name);
      if (!child) node.children.set(name, (child = { name, micros: 0, children: new Map() }));
      child.micros += micros;
      node = child;
    }
  }
  const rowHeight = 16;
  const rects: string[] = [];
  let depthMax = 0;
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const draw = (frame: Frame, x: number, depth: number) => {
    const w = (frame.micros / root.micros) * width;
    if (w < 0.3) return;
    depthMax = Math.max(depthMax, depth);
    const hue = frame.name.includes("service/src") ? 200 : frame.name.includes("node_modules") ? 30 : 0;
    const label = w > 40 ? escape(frame.name).slice(0, Math.floor(w / 7)) : "";
    rects.push(`<g><title>${escape(frame.name)} (${((100 * frame.micros) / root.micros).toFixed(1)}%)</title>` +
      `<rect x="${x.toFixed(1)}" y="{Y${depth}}" width="${w.toFixed(1)}" height="${rowHeight - 1}" fill="hsl(${hue},70%,${60 + (depth % 3) * 6}%)"/>` +
      `<text x="${(x + 3).toFixed(1)}" y="{T${depth}}" font-size="11" font-family="monospace">${label}</text></g>`);
    let childX = x;
    for (const child of [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, childX, depth + 1);
      childX += (child.micros / root.micros) * width;
    }
  };
  draw(root, 0, 0);
  const height = (depthMax + 1) * rowHeight + 30;
  const body = rects.join("\n").replace(/\{Y(\d+)\}/g, (_m, d) => String(height - (Number(d) + 1) * rowHeight))
    .replace(/\{T(\d+)\}/g, (_m, d) => String(height - (Number(d) + 1) * rowHeight + 12));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<text x="4" y="16" font-size="14" font-family="sans-serif">${escape(title)}</text>\n${body}\n</svg>\n`;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args[0];
  if (!file || file.startsWith("--")) {
    console.error("usage: cpuProfile.js FILE.cpuprofile [--from-us T0 --to-us T1] [--frames N] [--top 25] [--folded OUT.folded] [--svg OUT.svg [--title TEXT]]");
    process.exit(2);
  }
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const frames = Number(flag("--frames") ?? 0);
  const top = Number(flag("--top") ?? 25);
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const from = flag("--from-us");
  const to = flag("--to-us");
  const window = from !== undefined && to !== undefined ? { fromMicros: Number(from), toMicros: Number(to) } : undefined;
  const s = summariseProfile(profile, window);
  const pct = (micros: number) => `${((100 * micros) / s.busyMicros).toFixed(1)}%`.padStart(6);
  const perFrame = (micros: number) => (frames > 0 ? `${(micros / frames).toFixed(2).padStart(7)} µs/frame` : "");
  console.log(`${file}${window ? ` (window of ${((window.toMicros - window.fromMicros) / 1e6).toFixed(1)} s)` : ""}: ${(s.totalMicros / 1e6).toFixed(2)} s sampled, ${(s.busyMicros / 1e6).toFixed(2)} s busy${frames ? `, ${frames} frames relayed (${(s.busyMicros / frames).toFixed(2)} µs busy per frame)` : ""}`);
  console.log("\nself time by area (% of busy):");
  for (const a of s.byArea.filter((x) => x.area !== "idle")) console.log(`  ${pct(a.selfMicros)} ${perFrame(a.selfMicros)}  ${a.area}`);
  console.log(`\nself time by function, top ${top}:`);
  for (const f of s.byFunction.filter((x) => x.area !== "idle").slice(0, top)) console.log(`  ${pct(f.selfMicros)} ${perFrame(f.selfMicros)}  ${f.key}`);
  console.log("\ninclusive time of the service's functions:");
  for (const f of s.serviceInclusive.slice(0, top)) console.log(`  ${pct(f.inclusiveMicros)} ${perFrame(f.inclusiveMicros)}  ${f.key}`);
  const folded = flag("--folded");
  const svg = flag("--svg");
  if (folded || svg) {
    const text = foldedStacks(profile, window);
    if (folded) writeFileSync(folded, text);
    if (svg) writeFileSync(svg, flameGraphSvg(text, `${flag("--title") ?? file} (idle left out)`));
  }
}

if (require.main === module) main();
