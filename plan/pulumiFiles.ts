/**
 * The rules the Pulumi CLI applies to `Pulumi.yaml` and `Pulumi.<stack>.yaml` before it runs anything,
 * checked without the CLI (it cannot be installed here). `npm run plan` refuses what `pulumi up` would
 * refuse. Sources (pulumi/pulumi, sdk/go/common):
 * - workspace/project.json: the project schema (`name` and `runtime` required; `runtime` a non-empty
 *   string or `{ name, options }`; `config` values a string, integer, boolean or a declaration
 *   `{ type, items, description, secret, default }`; `options.refresh` only "always");
 * - workspace/project.go, `RewriteShorthandConfigValues`: a primitive under a key of another namespace
 *   is shorthand for `{ value: ... }`, under a project key for `{ default: ... }`;
 * - workspace/project.go, `Project.Validate`: never both `default` and `value`; a project key typed
 *   `array` needs `items`, and its default must match its type; a key of another namespace (e.g.
 *   `azure-native:location`) must not declare a `type` or a `default` and must carry a `value`;
 * - resource/config/key.go, `ParseKey`: a stack's config keys are `<namespace>:<name>` (or the old
 *   `<namespace>:config:<name>`);
 * - a stack value of a key the project declares with a type must have that type (ValidateConfigValue).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

export interface FileProblem {
  file: string;
  path: string;
  reason: string;
}

type Declaration = { type?: string; items?: ItemsType; default?: unknown; value?: unknown; description?: unknown; secret?: unknown };
type ItemsType = { type?: unknown; items?: ItemsType };

const SIMPLE_TYPES = ["string", "integer", "boolean", "array"];
const DECLARATION_KEYS = new Set(["type", "items", "description", "secret", "default", "value"]);
const PROJECT_STRING_KEYS = ["description", "author", "website", "license", "main", "stackConfigDir"];
const PROJECT_NAME = /^[A-Za-z0-9_.-]+$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown) => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v));

/** Whether a config key belongs to the project (no namespace, or the project's own). */
export function namespacedByProject(projectName: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${projectName}:`);
}

/** `ParseKey`: `<namespace>:<name>`, or `<namespace>:config:<name>`. */
export function isValidConfigKey(key: string): boolean {
  const colons = key.split(":").length - 1;
  if (colons === 1) return true;
  if (colons === 2) {
    const [pkg, module, name] = key.split(":");
    return pkg.length > 0 && module === "config" && name.length > 0;
  }
  return false;
}

function valueHasType(type: string, items: ItemsType | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^-?\d+$/.test(value));
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "array":
      return Array.isArray(value) && items !== undefined && typeof items.type === "string" && value.every((v) => valueHasType(items.type as string, items.items, v));
    default:
      return false;
  }
}

export function validateProject(doc: unknown, file = "Pulumi.yaml"): FileProblem[] {
  const problems: FileProblem[] = [];
  const problem = (path: string, reason: string) => problems.push({ file, path, reason });
  if (!isObject(doc)) return [{ file, path: "(root)", reason: "expected project to be an object" }];
  if (typeof doc.name !== "string" || doc.name === "") problem("name", "project is missing a non-empty string 'name' attribute");
  else if (!PROJECT_NAME.test(doc.name)) problem("name", "alphanumeric characters, hyphens, underscores and periods only");
  const runtime = doc.runtime;
  if (runtime === undefined) problem("runtime", "required");
  else if (typeof runtime === "string") {
    if (runtime === "") problem("runtime", "must not be empty");
  } else if (isObject(runtime)) {
    if (typeof runtime.name !== "string" || runtime.name === "") problem("runtime.name", "required, a non-empty string");
    if (runtime.options !== undefined && !isObject(runtime.options)) problem("runtime.options", "must be an object");
    for (const key of Object.keys(runtime)) if (key !== "name" && key !== "options") problem(`runtime.${key}`, "not allowed (only name and options)");
  } else problem("runtime", "runtime section must be a string or an object with name and options attributes");
  for (const key of PROJECT_STRING_KEYS) {
    if (doc[key] !== undefined && doc[key] !== null && typeof doc[key] !== "string") problem(key, "must be a string");
  }
  if (doc.options !== undefined && doc.options !== null) {
    if (!isObject(doc.options)) problem("options", "must be an object");
    else for (const [k, v] of Object.entries(doc.options)) {
      if (k !== "refresh") problem(`options.${k}`, "not allowed");
      else if (v !== "always") problem("options.refresh", 'the only value is "always"');
    }
  }
  const projectName = typeof doc.name === "string" ? doc.name : "";
  if (doc.config !== undefined && doc.config !== null) {
    if (!isObject(doc.config)) problem("config", "must be a map of configuration keys");
    else for (const [key, raw] of Object.entries(doc.config)) {
      const ownKey = namespacedByProject(projectName, key);
      // Shorthand: a primitive (or array) is a default for a project key, a value for any other.
      const decl: Declaration = isPrimitive(raw) || Array.isArray(raw) ? (ownKey ? { default: raw } : { value: raw }) : (raw as Declaration);
      if (!isObject(decl)) {
        problem(`config.${key}`, "must be a string, integer, boolean or a declaration object");
        continue;
      }
      for (const k of Object.keys(decl)) if (!DECLARATION_KEYS.has(k)) problem(`config.${key}.${k}`, "not allowed in a config declaration");
      if (decl.type !== undefined && !SIMPLE_TYPES.includes(decl.type)) problem(`config.${key}.type`, `must be one of ${SIMPLE_TYPES.join(", ")}`);
      if (decl.default !== undefined && decl.value !== undefined) {
        problem(`config.${key}`, `project config '${key}' cannot have both a 'default' and 'value' attribute`);
        continue;
      }
      if (ownKey) {
        if (decl.type === "array" && decl.items === undefined) {
          problem(`config.${key}`, `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
        } else if (decl.type !== undefined && decl.default !== undefined && !valueHasType(decl.type, decl.items, decl.default)) {
          problem(`config.${key}.default`, `The default value specified for configuration key '${key}' is not of the expected type '${decl.type}'`);
        }
      } else {
        if (decl.type !== undefined) problem(`config.${key}`, `Configuration key '${key}' is not namespaced by the project and should not define a type`);
        else if (decl.default !== undefined) problem(`config.${key}`, `Configuration key '${key}' is not namespaced by the project and should not define a default value`);
        else if (decl.value === undefined) problem(`config.${key}`, `Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
      }
    }
  }
  return problems;
}

export function validateStack(doc: unknown, project: unknown, file: string): FileProblem[] {
  const problems: FileProblem[] = [];
  const problem = (path: string, reason: string) => problems.push({ file, path, reason });
  if (doc === null || doc === undefined) return problems; // an empty stack file is a stack without config
  if (!isObject(doc)) return [{ file, path: "(root)", reason: "expected a mapping" }];
  if (doc.config === undefined || doc.config === null) return problems;
  if (!isObject(doc.config)) return [{ file, path: "config", reason: "must be a map of configuration keys" }];
  const projectName = isObject(project) && typeof project.name === "string" ? project.name : "";
  const declarations = isObject(project) && isObject(project.config) ? project.config : {};
  for (const [key, value] of Object.entries(doc.config)) {
    if (!isValidConfigKey(key)) {
      problem(`config.${key}`, `could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
      continue;
    }
    // A project key declared with a type: the stack's value must have it (secure values are opaque).
    const bare = key.startsWith(`${projectName}:`) ? key.slice(projectName.length + 1) : undefined;
    const decl = bare !== undefined ? (declarations[bare] ?? declarations[key]) : undefined;
    if (isObject(decl) && typeof decl.type === "string" && !(isObject(value) && "secure" in value)) {
      if (!valueHasType(decl.type, decl.items as ItemsType | undefined, value)) problem(`config.${key}`, `Stack '${file}' with configuration key '${key}' must be of type '${decl.type}'`);
    }
  }
  return problems;
}

/** Reads and checks `Pulumi.yaml` in `projectDir` and `Pulumi.<stack>.yaml` in `stackDir`. */
export function validatePulumiFiles(projectDir: string, stackDir: string, stack: string): FileProblem[] {
  const read = (path: string): { doc?: unknown; problem?: FileProblem } => {
    const file = path.split("/").pop()!;
    if (!existsSync(path)) return { problem: { file, path: "(file)", reason: `${path} does not exist` } };
    try {
      return { doc: parseYaml(readFileSync(path, "utf8")) };
    } catch (error) {
      return { problem: { file, path: "(file)", reason: `not valid YAML: ${(error as Error).message}` } };
    }
  };
  const project = read(join(projectDir, "Pulumi.yaml"));
  const stackFile = read(join(stackDir, `Pulumi.${stack}.yaml`));
  return [
    ...(project.problem ? [project.problem] : validateProject(project.doc)),
    ...(stackFile.problem ? [stackFile.problem] : validateStack(stackFile.doc, project.doc, `Pulumi.${stack}.yaml`)),
  ];
}
