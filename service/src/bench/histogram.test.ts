/** The delay histogram: bucket bounds, percentiles against sorted data, merging across processes. */
import { bucketOf, bucketUpperBound, Histogram } from "./histogram";

describe("histogram", () => {
  test("exact below 64 µs, at most 1/64 wide above, and every value inside its bucket's bound", () => {
    for (let v = 0; v < 64; v++) expect(bucketUpperBound(bucketOf(v))).toBe(v);
    for (const v of [64, 65, 127, 128, 1000, 4999, 5000, 123_456, 10_000_000]) {
      const upper = bucketUpperBound(bucketOf(v));
      expect(upper).toBeGreaterThanOrEqual(v);
      expect((upper - v) / v).toBeLessThanOrEqual(1 / 64);
    }
    // Buckets are ordered: a larger value never lands in an earlier bucket.
    let previous = -1;
    for (let v = 0; v < 100_000; v += 7) {
      const b = bucketOf(v);
      expect(b).toBeGreaterThanOrEqual(previous);
      previous = b;
    }
  });

  test("percentiles of 1..10,000 µs are within a bucket of the sorted data's and never below", () => {
    const h = new Histogram();
    for (let v = 1; v <= 10_000; v++) h.record(v);
    for (const [p, exact] of [[50, 5000], [99, 9900], [99.9, 9990], [100, 10_000]] as const) {
      const got = h.percentile(p)!;
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got).toBeLessThanOrEqual(exact * (1 + 1 / 64));
    }
    expect(h.percentile(100)).toBe(10_000); // capped at the exact maximum
    expect(h.mean()).toBeCloseTo(5000.5, 6);
    expect(h.min).toBe(1);
  });

  test("one outlier in a hundred moves p99 but not p98", () => {
    const h = new Histogram();
    for (let i = 0; i < 98; i++) h.record(100);
    h.record(100);
    h.record(250_000);
    expect(h.percentile(98)).toBe(100);
    expect(h.percentile(99)).toBe(100);
    expect(h.percentile(99.5)).toBe(250_000);
    expect(h.max).toBe(250_000);
  });

  test("negative values (clocks that disagree) are counted apart, not as delays", () => {
    const h = new Histogram();
    h.record(-5);
    h.record(10);
    expect(h.negative).toBe(1);
    expect(h.total).toBe(1);
    expect(h.min).toBe(10);
  });

  test("merging the sparse data of two histograms equals recording everything in one", () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 0; i < 5000; i++) {
      const v = (i * 7919) % 20_000;
      (i % 2 ? a : b).record(v);
      all.record(v);
    }
    const merged = Histogram.from(a.toData()).merge(b.toData());
    expect(merged.toData()).toEqual(all.toData());
    expect(new Histogram().percentile(50)).toBeUndefined();
    expect(new Histogram().toData()).toMatchObject({ total: 0, min: 0, max: 0 });
  });
});
