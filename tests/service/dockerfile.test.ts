/**
 * What can be checked of the image without a Docker engine: the Dockerfile's shape, that the build
 * context (after .dockerignore) holds everything the build copies and nothing it must not, and that the
 * build stage's own commands, run on exactly that context, produce the file the CMD starts.
 */
import { execSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import ignore from "@balena/dockerignore";

const root = join(__dirname, "..", "..");
const dockerfile = readFileSync(join(root, "service", "Dockerfile"), "utf8");
const dockerignore = ignore().add(readFileSync(join(root, ".dockerignore"), "utf8"));

interface Instruction { op: string; args: string }
interface Stage { from: string; name?: string; steps: Instruction[] }

function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!op) throw new Error(`unparsable Dockerfile line: ${line}`);
    if (op.toUpperCase() === "FROM") {
      const [from, , name] = args.split(/\s+/);
      stages.push({ from, name, steps: [] });
    } else {
      stages[stages.length - 1].steps.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(dockerfile);
const build = stages[0];
const runtime = stages[stages.length - 1];
const stepsOf = (stage: Stage, op: string) => stage.steps.filter((s) => s.op === op);

/** Files of the repository that `docker build` would send, after .dockerignore. */
function contextFiles(dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path);
    if (entry.name === ".git" || entry.name === "node_modules") continue;
    if (entry.isDirectory()) out.push(...contextFiles(path));
    else if (!dockerignore.ignores(rel)) out.push(rel);
  }
  return out;
}

test("multi-stage on a supported Node LTS on Alpine", () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  for (const stage of stages) {
    const [, major] = /^node:(\d+)-alpine/.exec(stage.from) ?? [];
    expect(Number(major)).toBeGreaterThanOrEqual(22); // 20 reached end of life in April 2026
    expect(Number(major) % 2).toBe(0); // even majors are the LTS lines
  }
});

test("runtime stage: production dependencies only, non-root, port 3000, exec-form CMD on node", () => {
  const installs = stepsOf(runtime, "RUN").map((s) => s.args).filter((a) => a.includes("npm ci"));
  expect(installs).toHaveLength(1);
  expect(installs[0]).toMatch(/--omit=dev/);
  const user = stepsOf(runtime, "USER").pop();
  expect(user?.args).toBeDefined();
  expect(["root", "0"]).not.toContain(user!.args);
  expect(stepsOf(runtime, "EXPOSE").map((s) => s.args)).toContain("3000");
  const cmd = JSON.parse(stepsOf(runtime, "CMD").pop()!.args) as string[];
  expect(cmd[0]).toBe("node"); // SIGTERM reaches node itself, no npm/sh in between
  expect(stepsOf(runtime, "ENTRYPOINT")).toHaveLength(0);
});

test("the build context excludes node_modules, dist, .env and tests, and holds every COPY source", () => {
  for (const path of ["node_modules/ws/package.json", "service/node_modules/x", "service/dist/server/main.js",
    ".env", "service/.env", ".env.local", "tests/service/dockerfile.test.ts", "docs/x.md", "stacks/config.ts",
    "Pulumi.prod.yaml", ".git/HEAD"]) {
    expect([path, dockerignore.ignores(path)]).toEqual([path, true]);
  }
  const files = contextFiles();
  for (const copy of [...stepsOf(build, "COPY"), ...stepsOf(runtime, "COPY")]) {
    if (copy.args.startsWith("--from")) continue;
    const sources = copy.args.split(/\s+/).slice(0, -1);
    for (const source of sources) {
      const present = files.some((f) => f === source || f.startsWith(source.replace(/\/?$/, "/")));
      expect([source, present]).toEqual([source, true]);
    }
  }
});

test("the build stage's commands, run on the build context, produce the file the CMD starts", () => {
  const work = mkdtempSync(join(tmpdir(), "docker-context-"));
  try {
    for (const file of contextFiles()) cpSync(join(root, file), join(work, file));
    // `npm ci` is the one step that needs the registry; the installed tree stands in for it.
    symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");
    if (existsSync(join(root, "service", "node_modules"))) {
      symlinkSync(join(root, "service", "node_modules"), join(work, "service", "node_modules"), "dir");
    }
    for (const run of stepsOf(build, "RUN")) {
      if (run.args.startsWith("npm ci")) continue;
      execSync(run.args, { cwd: work, stdio: "pipe" });
    }
    const cmd = JSON.parse(stepsOf(runtime, "CMD").pop()!.args) as string[];
    const copied = stepsOf(runtime, "COPY").find((c) => c.args.startsWith("--from=build"))!;
    const [, from] = copied.args.split(/\s+/);
    expect(from.startsWith("/app/")).toBe(true);
    const script = cmd.slice(1).find((a) => !a.startsWith("-"))!; // node's own flags come first
    expect(script.startsWith(from.replace("/app/", "").replace(/\/?$/, "/"))).toBe(true);
    expect(existsSync(join(work, script))).toBe(true);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 120_000);
