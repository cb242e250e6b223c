/**
 * The network's derived numbers against their sources, typed here from the source, not from the code:
 * the workload-profiles subnet table of learn.microsoft.com/azure/container-apps/custom-virtual-networks
 * (ms.date 2025-05-01, read 2026-12-03), and hand-computed layouts and costs.
 */
import { parseStackConfig, StackConfigError } from "../../stacks/config";
import { readStackFile } from "../../stacks/config";
import {
  consumptionReplicasSupported, exposure, frontDoorSku, infrastructureSubnetPrefix, networkLayout, networkMonthlyCost, networkPrices, parseCidr,
  registrySku, type NetworkInputs,
} from "../../stacks/networkSizing";

type Over = Omit<Partial<NetworkInputs>, "network" | "waf"> & { network?: Partial<NetworkInputs["network"]>; waf?: Partial<NetworkInputs["waf"]> };
const inputs = (over: Over = {}): NetworkInputs => ({
  replicas: { max: 13 },
  hosting: "containerApps",
  frontDoor: { enabled: true },
  ...over,
  network: { enabled: true, addressSpace: "10.60.0.0/22", registryPushCidrs: [], ...over.network },
  waf: { enabled: true, mode: "Prevention", upgradeRateLimit: { threshold: 60, durationMinutes: 1 }, allowedCountries: [], blockedIpRanges: [], managedRuleSets: true, ...over.waf },
});

test("replicas a subnet carries: Microsoft's table for the Consumption workload profile, row by row", () => {
  // | Subnet Size | Available IP Addresses | Max replicas (Consumption workload profile) |
  const table: Array<[number, number]> = [[23, 2470], [24, 1190], [25, 550], [26, 230], [27, 70]];
  for (const [prefix, replicas] of table) expect([prefix, consumptionReplicasSupported(prefix)]).toEqual([prefix, replicas]);
});

test("the infrastructure subnet is the smallest that carries replicas.max, never below /27", () => {
  expect(infrastructureSubnetPrefix(1)).toBe(27);
  expect(infrastructureSubnetPrefix(13)).toBe(27); // prod
  expect(infrastructureSubnetPrefix(70)).toBe(27);
  expect(infrastructureSubnetPrefix(71)).toBe(26);
  expect(infrastructureSubnetPrefix(230)).toBe(26);
  expect(infrastructureSubnetPrefix(231)).toBe(25);
  expect(infrastructureSubnetPrefix(1000)).toBe(24); // the schema's replicas.max bound
  expect(() => infrastructureSubnetPrefix(0)).toThrow(/positive integer/);
});

test("layout: infrastructure subnet first, the private endpoints' /28 right after it; a space too small or reserved is refused", () => {
  expect(networkLayout("10.60.0.0/22", 13)).toEqual({
    addressSpace: "10.60.0.0/22",
    infrastructureSubnet: { cidr: "10.60.0.0/27", prefix: 27, replicasSupported: 70, delegation: "Microsoft.App/environments" },
    privateEndpointSubnet: { cidr: "10.60.0.32/28", prefix: 28, endpoints: 3 },
  });
  expect(networkLayout("10.60.0.0/22", 300)).toMatchObject({ infrastructureSubnet: { cidr: "10.60.0.0/25" }, privateEndpointSubnet: { cidr: "10.60.0.128/28" } });
  expect(networkLayout("10.60.0.0/27", 13)).toEqual(["10.60.0.0/27 has 32 addresses; the infrastructure subnet for 13 replicas (/27) and the private endpoints' subnet (/28) need 48"]);
  expect(networkLayout("172.30.0.0/24", 13)).toEqual(["172.30.0.0/24 overlaps 172.30.0.0/16, which a Container Apps workload-profiles environment reserves"]);
  expect(networkLayout("10.60.0.1/22", 13)).toEqual(['"10.60.0.1/22" is not a network address: the host bits must be zero (10.60.0.0/22)']);
  expect(parseCidr("10.300.0.0/16")).toMatch(/octet above 255/);
});

test("SKUs: Premium Front Door for Private Link or managed rules, Premium registry for private endpoints", () => {
  expect(frontDoorSku(inputs())).toBe("Premium_AzureFrontDoor");
  expect(frontDoorSku(inputs({ network: { enabled: false }, waf: { managedRuleSets: false } }))).toBe("Standard_AzureFrontDoor");
  expect(frontDoorSku(inputs({ network: { enabled: false }, waf: { managedRuleSets: true } }))).toBe("Premium_AzureFrontDoor");
  expect(registrySku(inputs())).toBe("Premium");
  expect(registrySku(inputs({ network: { enabled: false } }))).toBe("Basic");
});

test("added monthly cost, computed by hand from the price sheet", () => {
  const p = networkPrices();
  const base = { frontDoorMonthly: 35, registryPerDay: 0.167, daysPerMonth: 30.4 };
  const on = networkMonthlyCost(inputs(), p, base);
  // 330 - 35 + (1.667 - 0.167) x 30.4 + 3 x 0.01 x 730 + 3 x 0.5 + 0.025 x 730 + 0.005 x 730
  expect(on.monthly).toBeCloseTo(295 + 45.6 + 21.9 + 1.5 + 18.25 + 3.65, 6);
  expect(on.lines.map((l) => l.item)).toEqual([
    "Front Door Premium instead of Standard", "Container registry Premium instead of Basic", "3 private endpoints", "3 private DNS zones",
    "the environment's standard load balancer", "the environment's egress public IP",
  ]);
  expect(on.unpriced).toHaveLength(1);
  expect(networkMonthlyCost(inputs({ network: { enabled: false }, waf: { managedRuleSets: false } }), p, base)).toEqual({ monthly: 0, lines: [], unpriced: [] });
});

test("exposure: with the network on nothing but the Front Door endpoint is public", () => {
  expect(exposure(inputs()).filter((e) => e.access !== "private").map((e) => e.resource)).toEqual(["Front Door endpoint"]);
  expect(exposure(inputs({ network: { registryPushCidrs: ["203.0.113.0/24"] } })).find((e) => e.resource === "Container registry")!.access).toBe("restricted");
  expect(exposure(inputs({ network: { enabled: false } })).filter((e) => e.access === "public").length).toBe(5);
});

test("bad network and WAF settings are named, every one of them", () => {
  const raw = readStackFile("staging");
  const bad = {
    ...raw,
    hosting: "containerApps",
    frontDoor: { enabled: false },
    network: { enabled: true, addressSpace: "10.0.0.0/28", registryPushCidrs: ["1.2.3.4"] },
    waf: { enabled: true, upgradeRateLimit: { threshold: 0, durationMinutes: 9 }, allowedCountries: ["au"], blockedIpRanges: ["300.1.1.1"] },
  };
  let error: StackConfigError | undefined;
  try {
    parseStackConfig("staging", bad);
  } catch (e) {
    error = e as StackConfigError;
  }
  expect(error).toBeInstanceOf(StackConfigError);
  expect(error!.problems.map((p) => `${p.path}: ${p.reason}`).sort()).toEqual([
    "network.addressSpace: 10.0.0.0/28 has 16 addresses; the infrastructure subnet for 5 replicas (/27) and the private endpoints' subnet (/28) need 48",
    "network.enabled: needs frontDoor.enabled: with public network access off, Front Door's Private Link is the only way in",
    'network.registryPushCidrs.0: "1.2.3.4" is not an IPv4 CIDR (a.b.c.d/prefix)',
    "waf.allowedCountries.0: a two-letter country code in capitals (e.g. AU)",
    'waf.blockedIpRanges.0: "300.1.1.1/32" has an octet above 255',
    "waf.upgradeRateLimit.durationMinutes: Too big: expected number to be <=5",
    "waf.upgradeRateLimit.threshold: Too small: expected number to be >0",
  ].sort());
});
