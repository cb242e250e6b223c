/**
 * The plan's readable summary, for review before `pulumi up`. Every figure is read from what the
 * program registered (the manifest's resources and outputs), so the summary cannot disagree with it.
 */
import { customDomainSummary } from "../stacks/customDomain";
import type { PolicyResult } from "../stacks/policies";
import type { PlanRun, RecordedResource } from "./mockEngine";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- registered inputs are untyped
type Loose = any;

export function summary(run: PlanRun, policy: PolicyResult[], warnings: string[], preflight: { deployer: string[]; beforeUp: string[] } = { deployer: [], beforeUp: [] }): string {
  const byType = new Map<string, number>();
  for (const r of run.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const all = (type: string): Loose[] => run.resources.filter((r: RecordedResource) => r.type === type).map((r) => r.inputs);
  const [app] = all("azure-native:app:ContainerApp");
  const [origins] = all("azure-native:cdn:AFDOriginGroup");
  const [budget] = all("azure-native:consumption:Budget");
  const [actionGroup] = all("azure-native:monitor:ActionGroup");
  const [site] = all("azure-native:web:WebApp");
  const [plan] = all("azure-native:web:AppServicePlan");
  const [autoscale] = all("azure-native:monitor:AutoscaleSetting");
  const container = app?.template?.containers?.[0];
  const env: Record<string, string> = site
    ? Object.fromEntries((site.siteConfig?.appSettings ?? []).map((e: Loose) => [e.name, String(e.value).startsWith("@Microsoft.KeyVault(") ? "keyVaultReference" : e.value]))
    : Object.fromEntries((container?.env ?? []).map((e: Loose) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
  const scale = app?.template?.scale ?? {};
  const upstreams: Loose[] = env.UPSTREAMS ? JSON.parse(env.UPSTREAMS) : [];
  const rule = (r: Loose) => r.http
    ? `${r.name}: HTTP concurrentRequests=${r.http.metadata?.concurrentRequests} (new upgrades a second over 15 s, per replica)`
    : r.custom
      ? `${r.name}: KEDA ${r.custom.type} on ${r.custom.metadata?.listName ?? JSON.stringify(r.custom.metadata)} at ${r.custom.metadata?.address}, target ${r.custom.metadata?.listLength} open sessions per replica${r.custom.auth?.length ? `, password from secret ${r.custom.auth[0].secretRef}` : ""}`
      : r.name;
  const days = run.outputs.scaleDays as Loose;
  const day = (label: string, d: Loose) => d ? [
    `  simulated day, ${label}: ${d.interviewsPerDay} interviews x ${d.minutesPerInterview} min`,
    `    HTTP rule alone: peak ${d.httpOnly.peakReplicas} replicas, ${d.httpOnly.peakOpenSessions} open at most, ${d.httpOnly.refusedSessions} sessions refused, ${d.httpOnly.replicaHours} replica-hours`,
    `    both rules:      peak ${d.bothRules.peakReplicas} replicas, ${d.bothRules.peakOpenSessions} open at most, ${d.bothRules.refusedSessions} sessions refused, ${d.bothRules.replicaHours} replica-hours, ${d.bothRules.movedByScaleIn} sessions moved by scale-ins`,
  ] : [];
  const unit = (r: Loose) => (r.metricTrigger.metricName === "CpuPercentage" ? "%" : " per instance");
  const trigger = (r: Loose) => `${r.metricTrigger.metricName} ${r.metricTrigger.operator} ${r.metricTrigger.threshold}${unit(r)} over ${r.metricTrigger.timeWindow} -> ${r.scaleAction.direction} by ${r.scaleAction.value} (cooldown ${r.scaleAction.cooldown})`;
  const profile = autoscale?.profiles?.[0];
  const scaling = site ? [
    "hosting: App Service",
    `  plan ${plan?.sku?.name} (${plan?.sku?.tier}, ${plan?.kind}), instances ${profile?.capacity?.minimum}..${profile?.capacity?.maximum}`,
    `  site: webSocketsEnabled=${site.siteConfig?.webSocketsEnabled}, alwaysOn=${site.siteConfig?.alwaysOn}, ARR affinity=${site.clientAffinityEnabled} (cookie from X-Forwarded-Host: ${site.clientAffinityProxyEnabled === true}), health check ${site.siteConfig?.healthCheckPath}, image ${String(site.siteConfig?.linuxFxVersion).replace(/^DOCKER\|/, "")} pulled by the identity`,
    ...(profile?.rules ?? []).map((r: Loose) => `  autoscale: ${trigger(r)}`),
    "  autoscale follows the mean open sessions per instance (voice.sessions.active in Application Insights), the plan's CPU as a backstop; it owns the instance count (pulumi ignores sku.capacity); MAX_SESSIONS_PER_INSTANCE bounds each instance",
    ...((run.outputs.infrastructureMonthly as Loose)?.appService !== undefined
      ? [`  priced: App Service plan $${(run.outputs.infrastructureMonthly as Loose).appService.toFixed(2)} a month (${(run.outputs.infrastructureMonthly as Loose).replicaHoursPerMonth.toFixed(0)} instance-hours)`] : []),
    `  capacity ${run.outputs.sessionCapacity} sessions; MAX_SESSIONS_PER_INSTANCE ${env.MAX_SESSIONS_PER_INSTANCE}`,
    ...basisLines(run.outputs.sessionsPerReplicaBasis as Basis | undefined),
    `  session limit ${env.SESSION_MAX_MINUTES} min, upstream rotation ${env.UPSTREAM_ROTATE_MINUTES} min, ${env.MAX_SESSIONS_PER_USER} sessions per user`,
  ] : [
    "scaling:",
    `  replicas ${scale.minReplicas}..${scale.maxReplicas}; ${container?.resources?.cpu} vCPU / ${container?.resources?.memory} per replica; grace period ${app?.template?.terminationGracePeriodSeconds} s`,
    ...(scale.rules ?? []).map((r: Loose) => `  rule ${rule(r)}`),
    `  KEDA takes the larger; polling ${scale.pollingInterval} s, cooldownPeriod ${scale.cooldownPeriod} s (only the scale to zero; scale-ins wait 300 s and drain: clients resume)`,
    ...day("expected volume", days?.expected),
    ...day("volume at capacity", days?.atCapacity),
    `  capacity ${run.outputs.sessionCapacity} sessions; MAX_SESSIONS_PER_INSTANCE ${env.MAX_SESSIONS_PER_INSTANCE}`,
    ...basisLines(run.outputs.sessionsPerReplicaBasis as Basis | undefined),
    `  session limit ${env.SESSION_MAX_MINUTES} min, upstream rotation ${env.UPSTREAM_ROTATE_MINUTES} min, ${env.MAX_SESSIONS_PER_USER} sessions per user`,
    "affinity:",
    `  container app: stickySessions=${app?.configuration?.ingress?.stickySessions?.affinity}, revisions=${app?.configuration?.activeRevisionsMode}`,
  ];
  const [spend] = all("azure-native:monitor:ScheduledQueryRule").filter((r) => String(r.ruleName).endsWith("-daily-spend"));
  const criterion = (c: Loose) => `${c.operator} ${c.threshold}`;
  const notifications = Object.values(budget?.notifications ?? {}) as Loose[];
  const lines = [
    `stack ${run.stack} (${run.project}), ${run.resources.length} resources in ${run.config.location}`,
    "",
    "resources by kind:",
    ...[...byType.entries()].sort().map(([t, n]) => `  ${String(n).padStart(3)}  ${t}`),
    "",
    ...scaling,
    `  front door: ${origins ? `origin group sessionAffinityState=${origins.sessionAffinityState}, probe ${origins.healthProbeSettings?.probePath ?? "off"}` : "disabled"}`,
    ...(regionLines(run).length ? regionLines(run) : customDomainSummary(run.stack, all("azure-native:cdn:AFDCustomDomain")[0], all("azure-native:dns:RecordSet"))),
    ...networkLines(run.outputs.network as NetworkOutput | undefined),
    "upstreams:",
    ...upstreams.map((u) => `  ${u.priority}. ${u.name} ${u.kind} ${u.region ?? ""} ${u.model ?? u.deployment} (${u.auth})`),
    "alerts:",
    ...all("azure-native:monitor:ScheduledQueryRule").map((r) => `  ${r.ruleName}: sev ${r.severity}, ${r.criteria.allOf[0].metricMeasureColumn} ${criterion(r.criteria.allOf[0])} over ${r.windowSize}`),
    ...all("azure-native:monitor:MetricAlert").map((r) => `  ${r.ruleName}: sev ${r.severity}, ${r.criteria.allOf.map((c: Loose) => `${c.metricName} ${c.timeAggregation} ${criterion(c)}`).join(" and ")} over ${r.windowSize}`),
    `  to ${(actionGroup?.emailReceivers ?? []).map((e: Loose) => e.emailAddress).join(", ")}${actionGroup?.webhookReceivers?.length ? " and a webhook" : ""}`,
    "budget:",
    ...((run.outputs.budgetDerivation as string[] | undefined) ?? []).map((l) => `  ${l}`),
    `  ${budget?.timeGrain} budget of $${budget?.amount} on ${budget?.scope}, ${budget?.filter?.dimensions?.name} ${budget?.filter?.dimensions?.operator} ${(budget?.filter?.dimensions?.values ?? []).join(", ")}`,
    `  covers the stack's group and each upstream's group (${((run.outputs.budgetResourceGroups as string[] | undefined) ?? []).join(", ")}): the model usage is billed there`,
    ...(spend ? [`  daily spend alert: ${spend.ruleName}, the service's metered cost (voice.cost.usd, each upstream's catalog) over ${spend.windowSize}, every ${spend.evaluationFrequency}, above $${spend.criteria.allOf[0].threshold} (Cost Management data lags 8-24 h; this fires within the hour)`] : []),
    ...notifications.sort((a, b) => a.threshold - b.threshold || String(a.thresholdType).localeCompare(String(b.thresholdType))).map((n) => `  notify at ${n.threshold}% ${n.thresholdType} to ${[...n.contactEmails, ...(n.contactGroups?.length ? ["the action group"] : [])].join(", ")}`),
    "",
    warnings.length ? "warnings:" : "warnings: none",
    ...warnings.map((w) => `  ! ${w}`),
    policy.length ? "policy:" : "policy: all passed",
    ...policy.map((p) => `  ${p.level === "mandatory" ? "x" : "~"} ${p.policy}: ${p.resource}: ${p.message}`),
    ...(run.outputs.logDailyCap ? ["", `logs: ${run.outputs.logDailyCap}`] : []),
    ...(preflight.deployer.length ? ["", ...preflight.deployer] : []),
    ...(preflight.beforeUp.length ? ["", ...preflight.beforeUp] : []),
  ];
  return lines.join("\n");
}

/**
 * Several regions or Front Door profiles: one line per region's app (replicas, REGION, its Redis, its
 * VNet, its upstreams in order), per Front Door profile, and the Traffic Manager profile with the time a
 * failed profile keeps receiving new connections. Nothing for a single-region, single-profile stack.
 */
export function regionLines(run: PlanRun): string[] {
  const all = (type: string): Loose[] => run.resources.filter((r) => r.type === type).map((r) => r.inputs);
  const apps = all("azure-native:app:ContainerApp");
  const profiles = all("azure-native:cdn:Profile");
  const [tm] = all("azure-native:trafficmanager:Profile");
  if (apps.length <= 1 && !tm) return [];
  const redis = [...all("azure-native:redisenterprise:RedisEnterprise").map((r) => ({ name: r.clusterName, location: r.location, sku: r.sku?.name })), ...all("azure-native:redis:Redis").map((r) => ({ name: r.name, location: r.location, sku: `${r.sku?.name} ${r.sku?.family}${r.sku?.capacity}` }))];
  const vnets = all("azure-native:network:VirtualNetwork");
  const origins = all("azure-native:cdn:AFDOrigin");
  const groups = all("azure-native:cdn:AFDOriginGroup");
  const lines = ["regions:"];
  for (const app of apps) {
    const env: Record<string, string> = Object.fromEntries((app.template?.containers?.[0]?.env ?? []).map((e: Loose) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
    const scale = app.template?.scale ?? {};
    const address = (scale.rules ?? []).find((r: Loose) => r.custom)?.custom?.metadata?.address ?? "";
    const store = redis.find((r) => address.startsWith(`${r.name}.`));
    const vnet = vnets.find((v) => v.location === app.location);
    const upstreams: Loose[] = env.UPSTREAMS ? JSON.parse(env.UPSTREAMS) : [];
    const first = upstreams.length ? Math.min(...upstreams.map((u) => u.priority)) : 0;
    lines.push(`  ${env.REGION ?? "(single region)"} ${app.location}: app ${app.containerAppName}, replicas ${scale.minReplicas}..${scale.maxReplicas}; Redis ${store ? `${store.name} (${store.sku})` : address}${vnet ? `; VNet ${vnet.addressPrefixes ?? vnet.addressSpace?.addressPrefixes?.join(",")}` : ""}`);
    lines.push(`    upstreams first: ${upstreams.filter((u) => u.priority === first).map((u) => u.name).join(", ")}; then: ${upstreams.filter((u) => u.priority !== first).map((u) => u.name).join(", ") || "none"}; PEER_REDIS_URLS ${env.PEER_REDIS_URLS ?? "unset"}; FRONT_DOOR_ID lists ${(env.FRONT_DOOR_ID ?? "").split(",").filter(Boolean).length} profile(s)`);
    // What a new replica reads at start: the vault behind its secrets and the registry copy it pulls from.
    const vaultHosts = [...new Set((app.configuration?.secrets ?? []).map((x: Loose) => /^https:\/\/([^.]+)\./.exec(String(x.keyVaultUrl))?.[1]).filter(Boolean))] as string[];
    const vaults = vaultHosts.map((h) => `${h} (${all("azure-native:keyvault:Vault").find((v) => v.vaultName === h)?.location ?? "?"})`);
    const server = String(app.configuration?.registries?.[0]?.server ?? "");
    const registry = all("azure-native:containerregistry:Registry").find((r) => `${r.registryName}.azurecr.io` === server);
    const copy = registry?.location === app.location ? "its home" : all("azure-native:containerregistry:Replication").some((r) => r.registryName === registry?.registryName && r.location === app.location) ? "its geo-replica" : "no copy";
    if (apps.length > 1) lines.push(`    new replicas read Key Vault ${vaults.join(", ") || "none"}; pull ${server} from ${copy} in ${app.location}${registry ? ` (${registry.sku?.name})` : ""}`);
  }
  const probe = groups[0]?.healthProbeSettings;
  lines.push(`  front door: ${profiles.length} profile(s) (${profiles.map((p) => p.profileName).join(", ")}), each with ${groups.length ? origins.length / groups.length : 0} origins, affinity ${groups[0]?.sessionAffinityState}, probe ${probe ? `${probe.probeRequestType} ${probe.probePath} every ${probe.probeIntervalInSeconds} s` : "off"}`);
  if (tm) {
    const m = tm.monitorConfig ?? {};
    const endpoints = all("azure-native:trafficmanager:Endpoint");
    const failover = (m.toleratedNumberOfFailures + 1) * m.intervalInSeconds + m.timeoutInSeconds + tm.dnsConfig?.ttl;
    lines.push(`  traffic manager ${tm.profileName} (${tm.dnsConfig?.relativeName}.trafficmanager.net): ${tm.trafficRoutingMethod}, ${endpoints.length} Front Door endpoints of weight ${endpoints.map((e) => e.weight).join("/")}, TTL ${tm.dnsConfig?.ttl} s`);
    lines.push(`    probe ${m.protocol} ${m.path} every ${m.intervalInSeconds} s (timeout ${m.timeoutInSeconds} s), Degraded after ${m.toleratedNumberOfFailures + 1} failures: a failed profile gets new connections for at most ${failover} s`);
    const [domain] = all("azure-native:cdn:AFDCustomDomain");
    if (domain) {
      lines.push(`  custom domain ${domain.hostName} on every profile (${domain.tlsSettings?.certificateType}); create where its DNS is hosted:`);
      lines.push(`    TXT    _dnsauth.${domain.hostName}  one value per profile: \`pulumi stack output customDomainValidations -s ${run.stack}\``);
      lines.push(`    CNAME  ${domain.hostName}  to: \`pulumi stack output trafficManagerFqdn -s ${run.stack}\``);
      lines.push("    a managed certificate is not renewed automatically through Traffic Manager: revalidate 45 days before expiry, or bring your own certificate (docs/regions.md)");
    }
  }
  return lines;
}

type NetworkOutput = {
  exposure: Array<{ resource: string; access: string; how: string }>;
  layout?: { addressSpace: string; infrastructureSubnet: { cidr: string; replicasSupported: number }; privateEndpointSubnet: { cidr: string } };
  frontDoorSku: string;
  registrySku: string;
};

/** What is public and what is private, and the network's address plan and SKUs. */
function networkLines(n: NetworkOutput | undefined): string[] {
  if (!n) return [];
  return [
    "network (public / private):",
    ...n.exposure.map((e) => `  ${e.access.padEnd(10)} ${e.resource}: ${e.how}`),
    ...(n.layout ? [`  VNet ${n.layout.addressSpace}: environment subnet ${n.layout.infrastructureSubnet.cidr} (carries ${n.layout.infrastructureSubnet.replicasSupported} replicas), private endpoints ${n.layout.privateEndpointSubnet.cidr}`] : []),
    `  Front Door ${n.frontDoorSku}, registry ${n.registrySku}`,
  ];
}

type Basis = { configured: number; measured: number; explanation: string; source: string };

/** Where sessionsPerReplica comes from: the measured capacity for this replica shape. */
function basisLines(b: Basis | undefined): string[] {
  if (!b) return [];
  return [
    `  sessionsPerReplica ${b.configured}: the measurement supports ${b.measured} for this replica (${b.explanation})`,
    `    measured with ${b.source}`,
  ];
}
