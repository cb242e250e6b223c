/**
 * Pulumi.yaml and every Pulumi.<stack>.yaml by the rules the Pulumi CLI applies before it runs anything
 * (plan/pulumiFiles.ts: pulumi/pulumi's project.json schema, Project.Validate, config.ParseKey). The mock
 * engine never reads these files the way the CLI does, so without this a refused project passes every
 * other test.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { isValidConfigKey, validateProject, validatePulumiFiles, validateStack } from "../../plan/pulumiFiles";
import { runProgram } from "../../plan/mockEngine";
import { StackConfigError } from "../../stacks/config";

const root = join(__dirname, "..", "..");
const stacks = readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.split(".")[1]);

test("the committed project file and every committed stack file pass", () => {
  expect(stacks).toEqual(expect.arrayContaining(["prod", "staging"]));
  for (const stack of stacks) expect([stack, validatePulumiFiles(root, root, stack)]).toEqual([stack, []]);
});

test("the project file as it was: a key of another namespace without `value` is refused, with Pulumi's message", () => {
  const before = parseYaml([
    "name: voice-platform",
    "runtime: { name: nodejs, options: { typescript: true } }",
    "config:",
    "  azure-native:location:",
    "    description: Default Azure region",
  ].join("\n"));
  expect(validateProject(before)).toEqual([{
    file: "Pulumi.yaml", path: "config.azure-native:location",
    reason: "Configuration key 'azure-native:location' is namespaced and must provide an attribute 'value'",
  }]);
  // The two accepted forms: shorthand (a primitive is a value) and an explicit value.
  expect(validateProject({ ...before, config: { "azure-native:location": "australiaeast" } })).toEqual([]);
  expect(validateProject({ ...before, config: { "azure-native:location": { value: "australiaeast" } } })).toEqual([]);
});

test("the other project rules: name and runtime, types, defaults, arrays", () => {
  const problems = validateProject({
    name: "voice-platform",
    runtime: { name: "nodejs", flavour: "x" },
    options: { refresh: "sometimes" },
    config: {
      "azure-native:location": { type: "string", value: "x" },
      "aws:region": { default: "us-east-1" },
      "voice-platform:count": { type: "integer", default: "many" },
      "voice-platform:list": { type: "array" },
      both: { default: 1, value: 2 },
      typo: { typ: "string" },
    },
  }).map((p) => `${p.path}: ${p.reason}`);
  expect(problems).toEqual([
    "runtime.flavour: not allowed (only name and options)",
    'options.refresh: the only value is "always"',
    "config.azure-native:location: Configuration key 'azure-native:location' is not namespaced by the project and should not define a type",
    "config.aws:region: Configuration key 'aws:region' is not namespaced by the project and should not define a default value",
    "config.voice-platform:count.default: The default value specified for configuration key 'voice-platform:count' is not of the expected type 'integer'",
    "config.voice-platform:list: The configuration key 'voice-platform:list' declares an array but does not specify the underlying type via the 'items' attribute",
    "config.both: project config 'both' cannot have both a 'default' and 'value' attribute",
    "config.typo.typ: not allowed in a config declaration",
  ]);
  expect(validateProject({ runtime: "nodejs" }).map((p) => p.path)).toEqual(["name"]);
  expect(validateProject({ name: "", runtime: "nodejs" }).map((p) => p.reason)).toEqual(["project is missing a non-empty string 'name' attribute"]);
  expect(validateProject({ name: "p" }).map((p) => `${p.path}: ${p.reason}`)).toEqual(["runtime: required"]);
  expect(validateProject("name: p")).toEqual([{ file: "Pulumi.yaml", path: "(root)", reason: "expected project to be an object" }]);
});

test("stack files: keys are <namespace>:<name>, and values of typed project keys have their type", () => {
  expect(["voice-platform:replicas", "azure-native:location", "aws:config:region"].every(isValidConfigKey)).toBe(true);
  expect(["replicas", "a:b:c", "a:b:c:d"].some(isValidConfigKey)).toBe(false);
  const project = { name: "voice-platform", runtime: "nodejs", config: { count: { type: "integer" }, names: { type: "array", items: { type: "string" } } } };
  const problems = validateStack({
    config: {
      replicas: 3,
      "voice-platform:count": "three",
      "voice-platform:names": ["a", 2],
      "voice-platform:secretCount": { secure: "AAAA" },
    },
  }, project, "Pulumi.x.yaml").map((p) => p.path);
  expect(problems).toEqual(["config.replicas", "config.voice-platform:count", "config.voice-platform:names"]);
  expect(validateStack({ config: { "voice-platform:count": "3" } }, project, "Pulumi.x.yaml")).toEqual([]); // the CLI accepts integer strings
  expect(validateStack(null, project, "Pulumi.x.yaml")).toEqual([]);
});

test("npm run plan refuses a stack file Pulumi would refuse, before running the program", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pulumifiles-"));
  const yaml = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8").replace("  azure-native:location: australiaeast", "  location: australiaeast");
  writeFileSync(join(dir, "Pulumi.staging.yaml"), yaml);
  const error = await runProgram("staging", dir).then(() => null, (e) => e);
  expect(error).toBeInstanceOf(StackConfigError);
  expect((error as StackConfigError).problems).toEqual([{
    stack: "staging", path: "Pulumi.staging.yaml: config.location",
    reason: "could not parse location as a configuration key (configuration keys should be of the form `<namespace>:<name>`)",
  }]);
});
