/**
 * What the infrastructure docs state about the code, checked against the code: the registry's TTL, what a
 * re-run does with an existing role assignment, and the deployer's roles.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_REGISTRY_TTL_SECONDS } from "../../service/src/registry/redis";

const root = join(__dirname, "..", "..");
const read = (file: string) => readFileSync(join(root, file), "utf8").replace(/\s+/g, " ");

test("the registry TTL the docs give is the code's", () => {
  const doc = read("docs/infrastructure.md");
  const ttl = [...doc.matchAll(/prunes a member one TTL \((\d+) s/g)].map((m) => Number(m[1]));
  expect(ttl).toEqual([DEFAULT_REGISTRY_TTL_SECONDS]);
  expect(read("stacks/voiceApp.ts")).toContain(`one TTL (${DEFAULT_REGISTRY_TTL_SECONDS} s)`);
});

test("role assignments: no claim that a re-run adopts an existing one; the deployer's roles are not 'Contributor or Owner'", () => {
  for (const file of ["docs/infrastructure.md", "README.md", "stacks/roles.ts", "stacks/vault.ts"]) {
    const text = read(file);
    expect([file, /adopts? (it|the existing|an existing)/i.test(text.replace(/does not adopt/g, ""))]).toEqual([file, false]);
    expect([file, /Contributor or Owner/.test(text)]).toEqual([file, false]);
  }
  expect(read("docs/infrastructure.md")).toContain("**Owner**, or **Contributor plus User Access Administrator** (or Role Based Access Control Administrator)");
  expect(read("README.md")).toContain("Owner on the subscription, or Contributor plus User Access Administrator (or Role Based Access Control Administrator)");
});
