/**
 * A custom domain on Front Door under the mock engine: the staging stack file with
 * `frontDoor.customDomain` added, in a temporary folder (removed at the end). With an Azure DNS zone the
 * program writes the validation TXT and the CNAME; without one, `npm run plan` prints the records to create.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseDocument } from "yaml";
import { runProgram, type PlanRun } from "../../plan/mockEngine";
import { StackConfigError } from "../../stacks/config";
import { CustomDomainSchema, relativeRecordNames } from "../../stacks/customDomain";
import { lookups } from "../support/plan";

const root = join(__dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "voice-domain-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Microsoft's values (see stacks/frontDoorDomain.ts for the sources): typed here from them, not from the code. */
const ARM = { certificateType: "ManagedCertificate", minimumTlsVersion: "TLS12" } as const;

/** The staging stack file with a custom domain, written as Pulumi.<name>.yaml in the temporary folder. */
function stackWithDomain(name: string, customDomain: unknown): void {
  const doc = parseDocument(readFileSync(join(root, "Pulumi.staging.yaml"), "utf8"));
  doc.setIn(["config", "voice-platform:frontDoor", "customDomain"], customDomain);
  writeFileSync(join(dir, `Pulumi.${name}.yaml`), doc.toString());
}

describe("with an Azure DNS zone", () => {
  let run: PlanRun;
  const { all, one } = lookups(() => run);
  beforeAll(async () => {
    stackWithDomain("staging", { hostName: "voice.example.com", dnsZone: { name: "example.com", resourceGroup: "rg-dns" } });
    run = await runProgram("staging", dir);
  }, 60_000);

  test("the custom domain: the host, Front Door's managed certificate at TLS 1.2, the zone it validates in", () => {
    const domain = one("azure-native:cdn:AFDCustomDomain");
    expect(domain.hostName).toBe("voice.example.com");
    expect(domain.tlsSettings).toEqual(ARM);
    expect(domain.azureDnsZone.id).toMatch(/^\/subscriptions\/[^/]+\/resourceGroups\/rg-dns\/providers\/Microsoft\.Network\/dnszones\/example\.com$/);
  });

  test("the route serves the custom domain too", () => {
    const route = one("azure-native:cdn:Route");
    const domain = all("azure-native:cdn:AFDCustomDomain")[0];
    expect(route.customDomains).toEqual([{ id: expect.stringContaining(domain.name) }]);
    expect(route.linkToDefaultDomain).toBe("Enabled");
  });

  test("TXT _dnsauth.voice with the domain's token, CNAME voice to the endpoint's host name, in the zone", () => {
    const records = all("azure-native:dns:RecordSet").map((r) => r.inputs);
    const txt = records.find((r) => r.recordType === "TXT");
    const cname = records.find((r) => r.recordType === "CNAME");
    expect(txt).toMatchObject({ zoneName: "example.com", resourceGroupName: "rg-dns", relativeRecordSetName: "_dnsauth.voice" });
    expect(txt.txtRecords).toEqual([{ value: [expect.stringMatching(/^mock-validation-token-/)] }]);
    const endpoint = one("azure-native:cdn:AFDEndpoint");
    expect(cname).toMatchObject({ zoneName: "example.com", relativeRecordSetName: "voice", cnameRecord: { cname: `${endpoint.endpointName}-mock.z01.azurefd.net` } });
  });

  test("outputs: wssUrl on the custom domain, the endpoint's host name, and the validation record", () => {
    expect(run.outputs.wssUrl).toBe("wss://voice.example.com/voice-live/realtime");
    expect(run.outputs.frontDoorHostName).toMatch(/\.azurefd\.net$/);
    expect(run.outputs.customDomainValidation).toMatchObject({ name: "_dnsauth.voice.example.com", type: "TXT", value: expect.stringMatching(/^mock-validation-token-/) });
  });
});

test("without a zone, npm run plan prints the TXT and CNAME records to create", async () => {
  stackWithDomain("nozone", { hostName: "voice.example.org" });
  const { stdout } = await promisify(execFile)("npx", ["tsx", "plan/cli.ts", "--stack", "nozone", "--dir", dir], { cwd: root });
  expect(stdout).toMatch(/custom domain voice\.example\.org: ManagedCertificate \(minimum TLS12\); create these records/);
  expect(stdout).toMatch(/^ +TXT +_dnsauth\.voice\.example\.org +value: .*pulumi stack output customDomainValidation -s nozone/m);
  expect(stdout).toMatch(/^ +CNAME +voice\.example\.org +to: .*pulumi stack output frontDoorHostName -s nozone/m);
  expect(stdout).not.toMatch(/azure-native:dns:RecordSet/);
}, 60_000);

test("bad custom domains are named: not in the zone, an apex without a zone, a certificate other than managed, upper case", () => {
  const problems = (value: unknown) => {
    const result = CustomDomainSchema.safeParse(value);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  expect(problems({ hostName: "voice.example.com", dnsZone: { name: "example.org", resourceGroup: "rg" } })).toEqual(["dnsZone.name: voice.example.com is not a subdomain of the zone example.org"]);
  expect(problems({ hostName: "example.com" })).toEqual([expect.stringMatching(/^hostName: an apex domain needs an alias record/)]);
  expect(problems({ hostName: "voice.example.com", certificate: "byo" })).toEqual([expect.stringMatching(/^certificate: only "managed"/)]);
  expect(problems({ hostName: "Voice.Example.com" })).toEqual([expect.stringMatching(/^hostName: must be a lowercase DNS name/)]);
  expect(relativeRecordNames("a.b.example.com", "example.com")).toEqual({ cname: "a.b", txt: "_dnsauth.a.b" });
  expect(() => relativeRecordNames("voice.example.com", "other.com")).toThrow(/not a subdomain/);
});

test("a stack file with a bad custom domain stops the plan with the key's path", async () => {
  stackWithDomain("badzone", { hostName: "voice.example.com", dnsZone: { name: "example.org", resourceGroup: "rg-dns" } });
  const error = await runProgram("badzone", dir).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(StackConfigError);
  expect((error as StackConfigError).problems).toContainEqual({ stack: "badzone", path: "frontDoor.customDomain.dnsZone.name", reason: "voice.example.com is not a subdomain of the zone example.org" });
});
