/** One choice of catalog for an upstream entry, shared by the budget and the meter; how entries combine. */
import { catalogById, catalogForUpstream, CatalogError, findCatalogForUpstream, sessionCost, sessionParams, upstreamPricing, type Catalog } from ".";

const id = (u: Parameters<typeof findCatalogForUpstream>[0]) => findCatalogForUpstream(u)?.id;

test("Voice Live entries by model, exactly", () => {
  expect(id({ kind: "voice-live", model: "gpt-realtime" })).toBe("voice-live-gpt-realtime");
  expect(id({ kind: "voice-live", model: "gpt-realtime-mini" })).toBe("voice-live-gpt-realtime-mini");
  expect(id({ kind: "voice-live", model: "GPT-Realtime" })).toBe("voice-live-gpt-realtime");
  expect(id({ kind: "voice-live", model: "gpt-realtime-mini-x" })).toBeUndefined();
  expect(id({ kind: "voice-live", model: "phi4-mm-realtime" })).toBeUndefined();
  // A Voice Live model is not priced by a direct Azure OpenAI catalog, nor the other way round.
  expect(id({ kind: "voice-live", model: "gpt-4o-realtime-preview" })).toBeUndefined();
});

test("Azure OpenAI entries by deployment: the model's name, or it and a dash; the longest model wins", () => {
  expect(id({ kind: "azure-openai", deployment: "gpt-realtime" })).toBe("azure-gpt-realtime-2025-08");
  expect(id({ kind: "azure-openai", deployment: "gpt-realtime-prod" })).toBe("azure-gpt-realtime-2025-08");
  expect(id({ kind: "azure-openai", deployment: "gpt-realtime-mini-eu" })).toBe("azure-gpt-realtime-mini-2025-10");
  expect(id({ kind: "azure-openai", deployment: "gpt-4o-realtime-preview" })).toBe("azure-gpt-4o-realtime-preview-2024-12");
  expect(id({ kind: "azure-openai", deployment: "interviews" })).toBeUndefined();
  expect(id({ kind: "azure-openai" })).toBeUndefined();
  expect(() => catalogForUpstream({ kind: "azure-openai", deployment: "interviews" })).toThrow(CatalogError);
  expect(() => catalogForUpstream({ kind: "azure-openai", deployment: "interviews" })).toThrow(/no pricing catalog for azure-openai deployment "interviews"; priced: .*gpt-realtime-mini/);
});

describe("a stack's entries combined", () => {
  const dearer = (a: Catalog, b: Catalog) => sessionCost(a, sessionParams(a, 30)).total - sessionCost(b, sessionParams(b, 30)).total;
  test("prod: one top-priority entry carries every new session; the failover entry has the same catalog", () => {
    const p = upstreamPricing([
      { name: "au", kind: "voice-live", model: "gpt-realtime", priority: 1 },
      { name: "us", kind: "voice-live", model: "gpt-realtime", priority: 2 },
    ], dearer);
    expect(p.mix.map((m) => [m.catalog.id, m.share, m.upstreams])).toEqual([["voice-live-gpt-realtime", 1, ["au"]]]);
    expect(p.failover).toBeUndefined();
    expect(p.lines[1]).toBe("upstream us (voice-live gpt-realtime, priority 2, failover only): catalog voice-live-gpt-realtime");
  });
  test("equal priorities share sessions evenly; a dearer failover entry is the range's dear end", () => {
    const p = upstreamPricing([
      { name: "a", kind: "voice-live", model: "gpt-realtime", priority: 1 },
      { name: "b", kind: "voice-live", model: "gpt-realtime-mini", priority: 1 },
      { name: "c", kind: "voice-live", model: "gpt-realtime", priority: 1 },
      { name: "d", kind: "azure-openai", deployment: "gpt-4o-realtime-preview", priority: 3 },
    ], dearer);
    expect(p.mix.map((m) => [m.catalog.id, m.share, m.upstreams])).toEqual([["voice-live-gpt-realtime", 2 / 3, ["a", "c"]], ["voice-live-gpt-realtime-mini", 1 / 3, ["b"]]]);
    // gpt-4o-realtime-preview costs more per interview than Voice Live Pro (its audio is $40/$80, its cache $2.50).
    expect(dearer(catalogById("azure-gpt-4o-realtime-preview-2024-12"), catalogById("voice-live-gpt-realtime"))).toBeGreaterThan(0);
    expect(p.failover).toMatchObject({ share: 1, upstreams: ["d"] });
    expect(p.failover!.catalog.id).toBe("azure-gpt-4o-realtime-preview-2024-12");
  });
  test("an entry no catalog prices stops the pricing with its name", () => {
    expect(() => upstreamPricing([{ name: "x", kind: "voice-live", model: "gpt-9", priority: 1 }], dearer)).toThrow(/voice-live model "gpt-9"/);
  });
});
