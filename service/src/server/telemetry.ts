/**
 * The service's metrics, under the names of contracts/telemetry.ts (the alert rules query the same names).
 * Exported to Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set, otherwise served as
 * Prometheus text on /metrics. Each proxy instance owns its MeterProvider, so tests can run several.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Attributes, Meter } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { METER_NAME, Metric, MetricAttribute } from "../../../contracts";

export interface Telemetry {
  connectAttempt(attrs?: Attributes): void;
  connectFailure(reason: string, attrs?: Attributes): void;
  error(code: string): void;
  failover(from: string, to: string): void;
  latency(ms: number, voice: string, region: string): void;
  sessionEnded(durationMs: number): void;
  audioSeconds(seconds: number, direction: "in" | "out"): void;
  tokens(count: number, kind: string): void;
  /** Serves /metrics, or answers 404 when exporting to Azure Monitor. */
  handleMetrics(req: IncomingMessage, res: ServerResponse): void;
  shutdown(): Promise<void>;
}

// Latency buckets sized for voice: the interesting region is 100-1,000 ms.
const LATENCY_BOUNDARIES = [50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000];
const DURATION_BOUNDARIES = [10e3, 60e3, 5 * 60e3, 10 * 60e3, 20 * 60e3, 30 * 60e3, 45 * 60e3, 60 * 60e3];

export async function createTelemetry(options: { connectionString?: string; activeSessions: () => number }): Promise<Telemetry> {
  let meter: Meter;
  let prometheus: PrometheusExporter | undefined;
  let provider: MeterProvider | undefined;
  if (options.connectionString) {
    const { useAzureMonitor } = await import("@azure/monitor-opentelemetry");
    const { metrics } = await import("@opentelemetry/api");
    useAzureMonitor({ azureMonitorExporterOptions: { connectionString: options.connectionString } });
    meter = metrics.getMeter(METER_NAME);
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
    advice: { explicitBucketBoundaries: LATENCY_BOUNDARIES },
  });
  const attempts = meter.createCounter(Metric.connectAttempts);
  const failures = meter.createCounter(Metric.connectFailures);
  const errors = meter.createCounter(Metric.errors);
  const failovers = meter.createCounter(Metric.upstreamFailovers);
  const audio = meter.createCounter(Metric.audioSeconds, { unit: "s" });
  const tokens = meter.createCounter(Metric.tokens);

  return {
    connectAttempt: (attrs) => attempts.add(1, attrs),
    connectFailure: (reason, attrs) => failures.add(1, { reason, ...attrs }),
    error: (code) => errors.add(1, { code }),
    failover: (from, to) => failovers.add(1, { from, to }),
    latency: (ms, voice, region) => latency.record(ms, { [MetricAttribute.voice]: boundedVoice(voice), [MetricAttribute.region]: region }),
    sessionEnded: (ms) => duration.record(ms),
    audioSeconds: (seconds, direction) => audio.add(seconds, { [MetricAttribute.direction]: direction }),
    tokens: (count, kind) => tokens.add(count, { [MetricAttribute.kind]: kind }),
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
    },
  };
}

/** Voices the realtime models offer by name (OpenAI's list, 2025-08); any other value is "other". */
const KNOWN_VOICES = new Set(["alloy", "ash", "ballad", "cedar", "coral", "echo", "marin", "sage", "shimmer", "verse", "default"]);

/**
 * A client chooses its voice (session.update): as a metric attribute it must come from a bounded set, or
 * every distinct string becomes a time series held in memory for ever. Azure neural voices
 * ("en-US-AvaNeural") are grouped as "azure".
 */
export function boundedVoice(voice: unknown): string {
  if (typeof voice !== "string") return "other";
  if (KNOWN_VOICES.has(voice)) return voice;
  return /^[a-z]{2,3}-[A-Z]{2}-[A-Za-z0-9]{1,40}Neural$/.test(voice) ? "azure" : "other";
}
