/**
 * Telemetry series at a stack's own traffic, made of rows the exporter really sent.
 *
 * The capture (telemetryCapture.test.ts) runs a handful of sessions: the rows' shape is real (names,
 * dimensions, fields, role and instance tags) but not their volume. A series here copies a captured row
 * of each kind and sets its count, minute and instance, at the volumes the stack's traffic model gives
 * (cost/traffic.ts through stacks/sizing.ts: upgrades in the busiest window, open sessions and turns at
 * the busiest moment). A dimension value is changed only to another value of the contract's own set
 * (e.g. code "upstream_lost", one of PLATFORM_ERROR_CODES), and `withDimensions` refuses any other key.
 */
import { join } from "node:path";
import { ConnectStage, Metric, MetricAttribute } from "../../contracts";
import type { MetricRow } from "../../stacks/alertQueries";
import { loadStackConfigFile, type StackConfig } from "../../stacks/config";
import { busiestWindowArrivals, sizeStack, stackArrivals, type StackSizing } from "../../stacks/sizing";

export const MINUTE_MS = 60_000;
const root = join(__dirname, "..", "..");

/** One captured row of each kind a series is made of. */
export interface Templates {
  attempt: MetricRow;
  platformRefusal: MetricRow;
  clientRefusal: MetricRow;
  platformError: MetricRow;
  gauge: MetricRow;
  turn: MetricRow;
  cost: MetricRow;
}

export function templatesFrom(rows: MetricRow[]): Templates {
  const pick = (what: string, match: (r: MetricRow) => boolean) => {
    const row = rows.find(match);
    if (!row) throw new Error(`the capture holds no ${what} row`);
    return row;
  };
  const dims = (r: MetricRow) => r.customDimensions;
  return {
    attempt: pick("client attempt", (r) => r.name === Metric.connectAttempts && dims(r)[MetricAttribute.stage] === ConnectStage.client),
    platformRefusal: pick("instance_full refusal", (r) => r.name === Metric.connectFailures && dims(r)[MetricAttribute.reason] === "instance_full"),
    clientRefusal: pick("bad-token refusal", (r) => r.name === Metric.connectFailures && dims(r)[MetricAttribute.reason] === "token_bad_signature"),
    platformError: pick("platform error", (r) => r.name === Metric.errors && dims(r)[MetricAttribute.code] === "upstream_unavailable"),
    gauge: pick("open-sessions gauge", (r) => r.name === Metric.sessionsActive),
    turn: pick("latency bucket", (r) => r.name === Metric.latencyTurns),
    cost: pick("metered cost", (r) => r.name === Metric.costUsd),
  };
}

/** A copy of a captured row with other values for dimensions it already carries. */
export function withDimensions(row: MetricRow, changes: Record<string, string>): MetricRow {
  for (const key of Object.keys(changes)) if (!(key in row.customDimensions)) throw new Error(`${row.name} carries no dimension ${key}`);
  return { ...row, customDimensions: { ...row.customDimensions, ...changes } };
}

/** A stack's traffic at its busiest moment, from its own model. */
export interface StackLoad {
  stack: string;
  config: StackConfig;
  sizing: StackSizing;
  /** Expected upgrades in the busiest `minutes`, rounded. */
  attemptsIn(minutes: number): number;
  /** Mean open sessions at the busiest minute, rounded. */
  openSessions: number;
  /** Replicas carrying them (at least replicas.min). */
  instances: number;
  /** Turns a minute at the busiest moment (open sessions x the estimate's turns per minute). */
  turnsPerMinute: number;
  /** The estimate's daily model spend at the stack's volume (USD). */
  dailySpendUsd: number;
}

export function stackLoad(stack: string): StackLoad {
  const config = loadStackConfigFile(stack, root);
  const sizing = sizeStack(config);
  const arrivals = stackArrivals(config);
  const e = sizing.estimate;
  if (!arrivals || !e) throw new Error(`${stack}: the stack states no volume (budget.interviewsPerDay)`);
  const open = e.capacity.peakMeanSessions;
  return {
    stack, config, sizing,
    attemptsIn: (minutes) => Math.round(busiestWindowArrivals(arrivals, minutes)),
    openSessions: Math.round(open),
    instances: Math.max(config.replicas.min, Math.ceil(open / config.sessionsPerReplica)),
    turnsPerMinute: open * e.input.session.turnsPerMinute,
    dailySpendUsd: e.daily.api,
  };
}

/** Rows over minutes [0, minutes) after `start`, each minute's row stamped at its middle. */
export class Series {
  readonly rows: MetricRow[] = [];
  constructor(readonly start: number, readonly minutes: number, readonly instances: number) {}

  at(minute: number): number {
    return this.start + minute * MINUTE_MS + MINUTE_MS / 2;
  }

  /** The end of the series: a rule evaluated now sees every minute of it. */
  get end(): number {
    return this.start + this.minutes * MINUTE_MS;
  }

  /** One counter row (a minute's delta on one instance). */
  count(template: MetricRow, minute: number, amount: number, instance = 0): this {
    if (amount > 0) this.rows.push({ ...template, timestamp: this.at(minute), value: amount, valueSum: amount, valueCount: 1, cloud_RoleInstance: `replica-${instance}` });
    return this;
  }

  /** `total` (an integer) spread over the minutes and instances, one at a time, round robin. */
  spread(template: MetricRow, total: number, firstMinute = 0, minutes = this.minutes - firstMinute): this {
    const cells = new Map<string, number>();
    for (let i = 0; i < total; i++) {
      const minute = firstMinute + (i % minutes);
      const instance = Math.floor(i / minutes) % this.instances;
      const key = `${minute}|${instance}`;
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
    for (const [key, n] of cells) {
      const [minute, instance] = key.split("|").map(Number);
      this.count(template, minute, n, instance);
    }
    return this;
  }

  /** The open-sessions gauge: `open` split over the instances, every minute (one observation a row). */
  gauge(template: MetricRow, open: number | ((minute: number) => number)): this {
    for (let minute = 0; minute < this.minutes; minute++) {
      const total = typeof open === "function" ? open(minute) : open;
      for (let i = 0; i < this.instances; i++) {
        const share = Math.floor(total / this.instances) + (i < total % this.instances ? 1 : 0);
        this.rows.push({ ...template, timestamp: this.at(minute), value: share, valueSum: share, valueCount: 1, cloud_RoleInstance: `replica-${i}` });
      }
    }
    return this;
  }
}
