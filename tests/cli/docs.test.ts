/**
 * The documentation speaks to an outsider and does not go stale:
 *   - no references to files or trackers outside the repository (a design document, issue numbers,
 *     "a later issue", paths of the machine it was written on);
 *   - the figures a stack file's header comment or a doc states (replica ranges, sessions per replica,
 *     the simulated day `npm run plan` prints) equal what the program derives from the stack files;
 *   - the survival figures docs/architecture.md quotes are those of the `npm run chaos` runs committed
 *     beside it (docs/survival/chaos-N.json);
 *   - the cost CSV carries no binary float noise.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadStackConfigFile } from "../../stacks/config";
import { sizeStack } from "../../stacks/sizing";
import { survivalFigures, survivalRun, type FigureReport } from "../support/chaosFigures";

const root = join(__dirname, "..", "..");
const stacks = readdirSync(root).map((f) => /^Pulumi\.(\w+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
const docFiles = ["README.md", "packages/client/README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)]
  .filter((f) => existsSync(join(root, f)));
const read = (file: string) => readFileSync(join(root, file), "utf8");
/** The comment lines of a stack file (its header and inline notes). */
const stackComments = (stack: string) => read(`Pulumi.${stack}.yaml`).split("\n").filter((l) => /^\s*#/.test(l)).join("\n");

/** Pure: references an outsider cannot follow. */
export function insiderReferences(text: string): string[] {
  const patterns = [/DESIGN\.md/g, /\bissues? \d+\b/gi, /\ba later issue\b/gi, /\/work\/\S+/g, /shared\/notes/g, /\.\.\/shared\//g];
  return patterns.flatMap((p) => text.match(p) ?? []);
}

/** Pure: every "A-B replicas" or "A..B replicas" in a text, except the seed's own figures ("seed: 2-50 replicas"). */
export function replicaRanges(text: string): Array<{ min: number; max: number; context: string }> {
  const found: Array<{ min: number; max: number; context: string }> = [];
  for (const m of text.matchAll(/(\d+)\s*(?:-|–|\.\.)\s*(\d+) replicas/g)) {
    const before = text.slice(Math.max(0, m.index - 12), m.index);
    if (/seed:?\s*$/i.test(before)) continue;
    found.push({ min: Number(m[1]), max: Number(m[2]), context: text.slice(Math.max(0, m.index - 40), m.index + m[0].length) });
  }
  return found;
}

test("the rules find what they are for", () => {
  expect(insiderReferences("see DESIGN.md and issue 12; rotation is a later issue")).toEqual(["DESIGN.md", "issue 12", "a later issue"]);
  expect(insiderReferences("Issues tracked upstream: microsoft/azure-container-apps #597")).toEqual([]);
  expect(replicaRanges("# Production: 2-50 replicas, seed: 2-50 replicas, prod: 2..13 replicas").map((r) => [r.min, r.max])).toEqual([[2, 50], [2, 13]]);
});

test("no doc, README or stack file refers to files or issues outside the repository", () => {
  const found = [...docFiles, ...stacks.map((s) => `Pulumi.${s}.yaml`)].flatMap((f) => insiderReferences(read(f)).map((r) => `${f}: ${r}`));
  expect(found).toEqual([]);
});

test("each stack file's comments state its own replica range", () => {
  const wrong: string[] = [];
  for (const stack of stacks) {
    const { replicas } = loadStackConfigFile(stack, root);
    for (const r of replicaRanges(stackComments(stack))) {
      if (r.min !== replicas.min || r.max !== replicas.max) wrong.push(`Pulumi.${stack}.yaml says "${r.context.trim()}", the file sets ${replicas.min}..${replicas.max}`);
    }
    // "13 x 233 = 3,029 open sessions": the arithmetic and the stack's own figures.
    for (const m of stackComments(stack).matchAll(/(\d+) x (\d+) = ([\d,]+) open sessions/g)) {
      const [a, b, product] = [Number(m[1]), Number(m[2]), Number(m[3].replace(/,/g, ""))];
      const config = loadStackConfigFile(stack, root);
      if (a * b !== product || a !== config.replicas.max || b !== config.sessionsPerReplica) wrong.push(`Pulumi.${stack}.yaml says "${m[0]}", the file sets ${config.replicas.max} x ${config.sessionsPerReplica}`);
    }
  }
  expect(wrong).toEqual([]);
});

test("docs that name a stack's replicas and sessions per replica agree with its stack file", () => {
  const wrong: string[] = [];
  for (const file of docFiles) {
    for (const m of read(file).matchAll(/\b(\w+): (\d+)\.\.(\d+) replicas of (\d+) sessions/g)) {
      if (!stacks.includes(m[1])) continue;
      const c = loadStackConfigFile(m[1], root);
      if (Number(m[2]) !== c.replicas.min || Number(m[3]) !== c.replicas.max || Number(m[4]) !== c.sessionsPerReplica) {
        wrong.push(`${file}: "${m[0]}", but ${m[1]} sets ${c.replicas.min}..${c.replicas.max} replicas of ${c.sessionsPerReplica} sessions`);
      }
    }
  }
  expect(wrong).toEqual([]);
});

test("a simulated day quoted from `npm run plan -- --stack S` is what the plan derives now", () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const file of docFiles) {
    const text = read(file);
    for (const quote of text.matchAll(/npm run plan -- --stack (\w+)`[^]*?```\n([^]*?)```/g)) {
      const [, stack, block] = quote;
      if (!stacks.includes(stack) || !block.includes("simulated day")) continue;
      const days = sizeStack(loadStackConfigFile(stack, root)).scaleDays;
      for (const [label, day] of [["expected volume", days?.expected], ["volume at capacity", days?.atCapacity]] as const) {
        const section = new RegExp(`simulated day, ${label}: (\\d+) interviews x ([\\d.]+) min\\n\\s*HTTP rule alone: peak (\\d+) replicas, (\\d+) open at most, (\\d+) sessions refused, ([\\d.]+) replica-hours\\n\\s*both rules: +peak (\\d+) replicas, (\\d+) open at most, (\\d+) sessions refused, ([\\d.]+) replica-hours, (\\d+) sessions moved`).exec(block);
        if (!section || !day) continue;
        checked++;
        const quoted = section.slice(1).map(Number);
        const derived = [day.interviewsPerDay, day.minutesPerInterview, day.httpOnly.peakReplicas, day.httpOnly.peakOpenSessions, day.httpOnly.refusedSessions, day.httpOnly.replicaHours,
          day.bothRules.peakReplicas, day.bothRules.peakOpenSessions, day.bothRules.refusedSessions, day.bothRules.replicaHours, day.bothRules.movedByScaleIn];
        if (JSON.stringify(quoted) !== JSON.stringify(derived)) wrong.push(`${file}, ${stack}, ${label}: quoted ${quoted.join(" ")}, derived ${derived.join(" ")}`);
      }
    }
  }
  expect(wrong).toEqual([]);
  expect(checked).toBeGreaterThan(0); // the quote is there to check
});

test("the survival figures in docs/architecture.md are those of the committed npm run chaos runs", () => {
  const runs = readdirSync(join(root, "docs", "survival")).filter((f) => /^chaos-\d+\.json$/.test(f)).sort();
  expect(runs.length).toBeGreaterThan(0);
  const doc = read("docs/architecture.md");
  const lines = doc.split("\n");
  const wrong: string[] = [];
  for (const file of runs) {
    const n = Number(/\d+/.exec(file)![0]);
    const run = JSON.parse(read(`docs/survival/${file}`)) as { date: string; size: { libraryUsers: number; openaiUsers: number }; machine: { cpus: number; loadAtStart: number; loadAtEnd: number }; reports: FigureReport[] };
    if (!doc.includes(survivalRun(n, run))) wrong.push(`${file}: the doc does not say "${survivalRun(n, run)}"`);
    for (const r of run.reports) {
      const row = lines.find((l) => l.startsWith("|") && l.includes(`(\`${r.experiment}\`)`));
      const quoted = `run ${n}: ${survivalFigures(r)}`;
      if (!row?.includes(quoted)) wrong.push(`${file}, ${r.experiment}: the row should say "${quoted}"`);
    }
  }
  expect(wrong).toEqual([]);
});

test("npm run cost -- --format csv: numbers without float noise", async () => {
  const { stdout } = await promisify(execFile)("npx", ["tsx", "scripts/cost.ts", "--stack", "prod", "--format", "csv"], { cwd: root });
  const numbers = stdout.trim().split("\n").slice(1).flatMap((row) => row.split(",")).filter((v) => /^-?\d/.test(v));
  expect(numbers.length).toBeGreaterThan(10);
  expect(numbers.filter((v) => /\.\d{7,}/.test(v))).toEqual([]);
}, 60_000);
