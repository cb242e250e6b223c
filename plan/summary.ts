/**
 * The plan's readable summary, for review before `pulumi up`. Every figure is read from what the
 * program registered (the manifest's resources and outputs), so the summary cannot disagree with it.
 */
import type { PolicyResult } from "../stacks/policies";
import type { PlanRun, RecordedResource } from "./mockEngine";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- registered inputs are untyped
type Loose = any;

export function summary(run: PlanRun, policy: PolicyResult[], warnings: string[]): string {
  const byType = new Map<string, number>();
  for (const r of run.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const all = (type: string): Loose[] => run.resources.filter((r: RecordedResource) => r.type === type).map((r) => r.inputs);
  const [app] = all("azure-native:app:ContainerApp");
  const [origins] = all("azure-native:cdn:AFDOriginGroup");
  const [budget] = all("azure-native:consumption:Budget");
  const [actionGroup] = all("azure-native:monitor:ActionGroup");
  const container = app?.template?.containers?.[0];
  const env = Object.fromEntries((container?.env ?? []).map((e: Loose) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
  const scale = app?.template?.scale ?? {};
  const upstreams: Loose[] = env.UPSTREAMS ? JSON.parse(env.UPSTREAMS) : [];
  const rule = (r: Loose) => r.http ? `${r.name}: HTTP concurrentRequests=${r.http.metadata?.concurrentRequests}` : r.custom ? `${r.name}: ${r.custom.type} ${JSON.stringify(r.custom.metadata)}` : r.name;
  const criterion = (c: Loose) => `${c.operator} ${c.threshold}`;
  const notifications = Object.values(budget?.notifications ?? {}) as Loose[];
  const lines = [
    `stack ${run.stack} (${run.project}), ${run.resources.length} resources in ${run.config.location}`,
    "",
    "resources by kind:",
    ...[...byType.entries()].sort().map(([t, n]) => `  ${String(n).padStart(3)}  ${t}`),
    "",
    "scaling:",
    `  replicas ${scale.minReplicas}..${scale.maxReplicas}; ${container?.resources?.cpu} vCPU / ${container?.resources?.memory} per replica; grace period ${app?.template?.terminationGracePeriodSeconds} s`,
    ...(scale.rules ?? []).map((r: Loose) => `  rule ${rule(r)}`),
    `  capacity ${run.outputs.sessionCapacity} sessions; MAX_SESSIONS_PER_INSTANCE ${env.MAX_SESSIONS_PER_INSTANCE}`,
    `  session limit ${env.SESSION_MAX_MINUTES} min, upstream rotation ${env.UPSTREAM_ROTATE_MINUTES} min, ${env.MAX_SESSIONS_PER_USER} sessions per user`,
    "affinity:",
    `  container app: stickySessions=${app?.configuration?.ingress?.stickySessions?.affinity}, revisions=${app?.configuration?.activeRevisionsMode}`,
    `  front door: ${origins ? `origin group sessionAffinityState=${origins.sessionAffinityState}, probe ${origins.healthProbeSettings?.probePath ?? "off"}` : "disabled"}`,
    "upstreams:",
    ...upstreams.map((u) => `  ${u.priority}. ${u.name} ${u.kind} ${u.region ?? ""} ${u.model ?? u.deployment} (${u.auth})`),
    "alerts:",
    ...all("azure-native:monitor:ScheduledQueryRule").map((r) => `  ${r.ruleName}: sev ${r.severity}, ${r.criteria.allOf[0].metricMeasureColumn} ${criterion(r.criteria.allOf[0])} over ${r.windowSize}`),
    ...all("azure-native:monitor:MetricAlert").map((r) => `  ${r.ruleName}: sev ${r.severity}, ${r.criteria.allOf[0].metricName} ${criterion(r.criteria.allOf[0])}`),
    `  to ${(actionGroup?.emailReceivers ?? []).map((e: Loose) => e.emailAddress).join(", ")}${actionGroup?.webhookReceivers?.length ? " and a webhook" : ""}`,
    "budget:",
    ...((run.outputs.budgetDerivation as string[] | undefined) ?? []).map((l) => `  ${l}`),
    `  ${budget?.timeGrain} budget of $${budget?.amount} on ${budget?.scope}`,
    ...notifications.sort((a, b) => a.threshold - b.threshold || String(a.thresholdType).localeCompare(String(b.thresholdType))).map((n) => `  notify at ${n.threshold}% ${n.thresholdType} to ${[...n.contactEmails, ...(n.contactGroups?.length ? ["the action group"] : [])].join(", ")}`),
    "",
    warnings.length ? "warnings:" : "warnings: none",
    ...warnings.map((w) => `  ! ${w}`),
    policy.length ? "policy:" : "policy: all passed",
    ...policy.map((p) => `  ${p.level === "mandatory" ? "x" : "~"} ${p.policy}: ${p.resource}: ${p.message}`),
  ];
  return lines.join("\n");
}
