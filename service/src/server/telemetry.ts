/**
 * The service's metrics, under the names of contracts/telemetry.ts (the alert rules query the same names).
 * Exported to Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set, otherwise served as
 * Prometheus text on /metrics. Each proxy instance owns its MeterProvider, so tests can run several.
 *
 * Every attribute value is mapped onto a bounded, server-side set here, whatever the caller passes: a
 * client-chosen string (a voice name, a close reason) must never become a label, because each distinct
 * attribute set is a time series held in memory and billed in Azure Monitor.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Attributes, Meter } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { COST_EVENT_NAME, type CostRecord } from "./costRecord";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  ConnectStage, LATENCY_BUCKETS_MS, latencyBucketOf, METER_NAME, Metric, MetricAttribute, OTHER_LABEL, Refusal, TOKEN_KINDS, TRANSCRIPTION_TOKEN_KINDS, voiceLabel, type ResumeStatus,
} from "../../../contracts";

export interface Telemetry {
  connectAttempt(attrs?: Attributes): void;
  connectFailure(reason: string, attrs?: Attributes): void;
  error(code: string): void;
  failover(from: string, to: string): void;
  /** A connection that presented a resume token, by what came of it. */
  resume(outcome: Exclude<ResumeStatus, "new">): void;
  /** One turn's latency; also counted in its fixed bucket (voice.latency.turns) for percentiles. */
  latency(ms: number, voice: string, region: string): void;
  sessionEnded(durationMs: number): void;
  audioSeconds(seconds: number, direction: "in" | "out"): void;
  /** Tokens of one kind metered from a response's usage, by upstream entry and its model (both from the configuration). */
  tokens(count: number, kind: string, upstream?: string, model?: string): void;
  /** The metered cost of a response or transcription (USD), by upstream entry and model. */
  cost(usd: number, upstream: string, model: string): void;
  /**
   * A session connection's cost record (costRecord.ts), as an Application Insights customEvent: an
   * OpenTelemetry log record with the `microsoft.custom_event.name` attribute, which the Azure Monitor
   * exporter sends as EventData (customEvents; @azure/monitor-opentelemetry-exporter logUtils,
   * ApplicationInsightsCustomEventName). Without Azure Monitor it goes nowhere here: the end-of-session
   * log line carries it.
   */
  sessionCost(record: CostRecord): void;
  /** Serves /metrics, or answers 404 when exporting to Azure Monitor. */
  handleMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes what is not yet exported (Azure Monitor exports every 60 s) and stops the exporters. */
  shutdown(): Promise<void>;
}

const DURATION_BOUNDARIES = [10e3, 60e3, 5 * 60e3, 10 * 60e3, 20 * 60e3, 30 * 60e3, 45 * 60e3, 60 * 60e3];

/** Names that come from the service's configuration (upstream, region) or its own code, capped in length. */
const NAME_LIKE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Error and reason codes the service itself defines (snake_case identifiers). */
const CODE_LIKE = /^[a-z][a-z0-9_]{0,39}$/;
const REFUSAL_CODES: ReadonlySet<string> = new Set(Object.keys(Refusal));
const STAGES: ReadonlySet<string> = new Set(Object.values(ConnectStage));
const TOKEN_KIND_SET: ReadonlySet<string> = new Set([...TOKEN_KINDS, ...TRANSCRIPTION_TOKEN_KINDS]);

/**
 * Upstream and region names come from the service's configuration and error codes from its own code,
 * so in practice a handful exist; a fixed cap per attribute keeps that true even if a caller ever passes
 * something else (first values seen keep their label, later new ones become "other").
 */
export const MAX_NAME_VALUES = 32;

/** The log attribute that makes the Azure Monitor exporter send a log record as a customEvent (its ApplicationInsightsCustomEventName). */
export const CUSTOM_EVENT_NAME_ATTRIBUTE = "microsoft.custom_event.name";

class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly pattern: RegExp) {}
  of(value: unknown): string {
    if (typeof value !== "string" || !this.pattern.test(value)) return OTHER_LABEL;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= MAX_NAME_VALUES) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }
}

/** Connect-failure reasons: a refusal code, "network", or an upstream's HTTP status (http_100..http_599). */
export function reasonLabel(reason: unknown): string {
  if (typeof reason !== "string") return OTHER_LABEL;
  if (REFUSAL_CODES.has(reason) || reason === "network") return reason;
  const status = /^http_(\d{3})$/.exec(reason);
  return status && Number(status[1]) >= 100 && Number(status[1]) <= 599 ? reason : OTHER_LABEL;
}

export function tokenKindLabel(kind: unknown): string {
  return typeof kind === "string" && TOKEN_KIND_SET.has(kind) ? kind : OTHER_LABEL;
}


/** A non-negative finite amount, or 0 (counters reject negatives; usage from an upstream is not trusted). */
const amount = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);

export async function createTelemetry(options: { connectionString?: string; activeSessions: () => number }): Promise<Telemetry> {
  let meter: Meter;
  let prometheus: PrometheusExporter | undefined;
  let provider: MeterProvider | undefined;
  let stopAzureMonitor: (() => Promise<void>) | undefined;
  let emitEvent: ((attributes: Record<string, string | number | boolean>) => void) | undefined;
  if (options.connectionString) {
    const { useAzureMonitor, shutdownAzureMonitor } = await import("@azure/monitor-opentelemetry");
    useAzureMonitor({ azureMonitorExporterOptions: { connectionString: options.connectionString } });
    // The meter must come from the @opentelemetry/api copy the distro registered its provider with. The
    // workspace lockfile installs two (the distro's 1.9.x at the root, the service's 1.10 under service/,
    // in the image too), and an API whose minor version is newer than the registered global's refuses it
    // and hands out a no-op meter: every metric would be dropped without a word (found by
    // tests/infra/telemetryCapture.test.ts).
    const distroApi = createRequire(require.resolve("@azure/monitor-opentelemetry"))("@opentelemetry/api") as typeof import("@opentelemetry/api");
    const provider = distroApi.metrics.getMeterProvider();
    if (provider.constructor.name.startsWith("Noop")) throw new Error("telemetry: Azure Monitor registered no meter provider; metrics would be dropped");
    meter = provider.getMeter(METER_NAME);
    stopAzureMonitor = shutdownAzureMonitor;
    // Events through the logs API the distro registered (the same copy question as the meter's).
    const distroLogs = createRequire(require.resolve("@azure/monitor-opentelemetry"))("@opentelemetry/api-logs") as typeof import("@opentelemetry/api-logs");
    const eventLogger = distroLogs.logs.getLogger(METER_NAME);
    emitEvent = (attributes) => eventLogger.emit({ attributes: { [CUSTOM_EVENT_NAME_ATTRIBUTE]: COST_EVENT_NAME, ...attributes } });
  } else {
    prometheus = new PrometheusExporter({ preventServerStart: true });
    provider = new MeterProvider({ readers: [prometheus] });
    meter = provider.getMeter(METER_NAME);
  }

  meter
    .createObservableGauge(Metric.sessionsActive, { description: "Open client sessions on this instance" })
    .addCallback((result) => result.observe(options.activeSessions()));
  const duration = meter.createHistogram(Metric.sessionDurationMs, { unit: "ms", advice: { explicitBucketBoundaries: DURATION_BOUNDARIES } });
  const latency = meter.createHistogram(Metric.latencyMs, {
    unit: "ms",
    description: "End of the user's turn to the first response audio",
    advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS_MS] },
  });
  const latencyTurns = meter.createCounter(Metric.latencyTurns, { description: "Turns per latency bucket (le_ms: upper bound in ms, or inf)" });
  const attempts = meter.createCounter(Metric.connectAttempts);
  const failures = meter.createCounter(Metric.connectFailures);
  const errors = meter.createCounter(Metric.errors);
  const failovers = meter.createCounter(Metric.upstreamFailovers);
  const resumes = meter.createCounter(Metric.sessionResumes, { description: "Connections that presented a resume token, by outcome" });
  const audio = meter.createCounter(Metric.audioSeconds, { unit: "s" });
  const tokens = meter.createCounter(Metric.tokens);
  const cost = meter.createCounter(Metric.costUsd, { unit: "USD", description: "Metered cost of responses and transcription, priced with the upstream's catalog" });

  // Per instance: each label's set of values is bounded (see BoundedLabel).
  const upstreamNames = new BoundedLabel(NAME_LIKE);
  const regionNames = new BoundedLabel(NAME_LIKE);
  const codes = new BoundedLabel(CODE_LIKE);
  const modelNames = new BoundedLabel(NAME_LIKE);
  const nameLabel = (value: unknown) => upstreamNames.of(value);
  const regionLabel = (value: unknown) => regionNames.of(value);
  /** Connection attributes: only stage, upstream and region survive, each from its bounded set. */
  const connectAttributes = (attrs: Attributes | undefined): Attributes => {
    const out: Attributes = {};
    if (!attrs) return out;
    const stage = attrs[MetricAttribute.stage];
    if (stage !== undefined) out[MetricAttribute.stage] = typeof stage === "string" && STAGES.has(stage) ? stage : OTHER_LABEL;
    if (attrs[MetricAttribute.upstream] !== undefined) out[MetricAttribute.upstream] = nameLabel(attrs[MetricAttribute.upstream]);
    if (attrs[MetricAttribute.region] !== undefined) out[MetricAttribute.region] = regionLabel(attrs[MetricAttribute.region]);
    return out;
  };

  return {
    connectAttempt: (attrs) => attempts.add(1, connectAttributes(attrs)),
    connectFailure: (reason, attrs) => failures.add(1, { ...connectAttributes(attrs), [MetricAttribute.reason]: reasonLabel(reason) }),
    error: (code) => errors.add(1, { [MetricAttribute.code]: codes.of(code) }),
    failover: (from, to) => failovers.add(1, { [MetricAttribute.from]: nameLabel(from), [MetricAttribute.to]: nameLabel(to) }),
    resume: (outcome) => resumes.add(1, { [MetricAttribute.outcome]: outcome }),
    latency: (ms, voice, region) => {
      if (!(Number.isFinite(ms) && ms >= 0)) return;
      const regionValue = regionLabel(region);
      latency.record(ms, { [MetricAttribute.voice]: voiceLabel(voice), [MetricAttribute.region]: regionValue });
      latencyTurns.add(1, { [MetricAttribute.latencyBucket]: latencyBucketOf(ms), [MetricAttribute.region]: regionValue });
    },
    sessionEnded: (ms) => {
      if (Number.isFinite(ms) && ms >= 0) duration.record(ms);
    },
    audioSeconds: (seconds, direction) => audio.add(amount(seconds), { [MetricAttribute.direction]: direction === "in" ? "in" : "out" }),
    tokens: (count, kind, upstream, model) => tokens.add(amount(count), {
      [MetricAttribute.kind]: tokenKindLabel(kind),
      ...(upstream !== undefined ? { [MetricAttribute.upstream]: nameLabel(upstream) } : {}),
      ...(model !== undefined ? { [MetricAttribute.model]: modelNames.of(model) } : {}),
    }),
    sessionCost: (record) => emitEvent?.(record),
    cost: (usd, upstream, model) => cost.add(amount(usd), { [MetricAttribute.upstream]: nameLabel(upstream), [MetricAttribute.model]: modelNames.of(model) }),
    handleMetrics(req, res) {
      if (!prometheus) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "not_found", message: "metrics are exported to Azure Monitor" } }));
        return;
      }
      prometheus.getMetricsRequestHandler(req, res);
    },
    async shutdown() {
      await provider?.shutdown();
      // Without this, a replica that drains and exits loses up to one export interval of metrics.
      await stopAzureMonitor?.().catch(() => undefined);
    },
  };
}

