import { cube } from "@lplb/topology";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRACE } from "../src/loads.js";
import { REPORT_PLOTS, renderSimulationReport } from "../src/report.js";
import { type Policy, simulate } from "../src/simulate.js";
import type { SimulationSetup } from "../src/simulate-command.js";

const weights = Array.from({ length: 32 }, (_, e) => 1 + ((e * 7) % 5) ** 2);

function run(policies: Policy[]) {
  const topology = cube();
  const result = simulate({
    source: {
      kind: "distribution",
      calibration: [weights, weights],
      serving: [weights, weights],
      tokensPerRank: 64,
      batches: 12,
    },
    topology,
    epSize: 8,
    redundantPerRank: 2,
    topK: 2,
    policies,
  });
  const setup: SimulationSetup = {
    source: "distribution",
    trace: "loads <test>.json",
    format: "json",
    model: "test model <&>",
    scenario: "s0",
    calibration: "s0",
    layers: [0, 1],
    layerIds: [3, 9],
    experts: 32,
    topK: 2,
    topology: topology.name,
    groupSize: 8,
    slots: 2,
    epSize: 8,
    redundantPerRank: 2,
    gpusPerNode: 8,
    expertGroups: 1,
    tokensPerRank: 64,
    batches: 12,
    window: null,
    replanEvery: null,
    calibrationBatches: null,
    zipfExponent: null,
    seed: 1,
    policies,
    notes: [],
  };
  return { setup, result, topology };
}

function figures(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<figure class="plot" data-plot="([a-z-]+)">([\s\S]*?)<\/figure>/g))
    out.set(m[1], m[2]);
  return out;
}

describe("renderSimulationReport", () => {
  it("holds the configuration, the summary, every plot, and nothing external", async () => {
    const input = run(["no-redundancy", "eplb-even", "lplb", "lp-eplb", "ideal"]);
    const html = await renderSimulationReport(input);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\((?!#)/i);
    expect(html).toContain("<td>model</td><td>test model &lt;&amp;&gt;</td>");
    expect(html).toContain("<td>load file</td><td>loads &lt;test&gt;.json</td>");
    expect(html).toContain("<td>EP size</td><td>8</td>");
    expect(html).toContain("<td>model layer ids</td><td>3, 9</td>");
    for (const s of input.result.summaries) {
      const name = s.policy === "ideal" ? "ideal (bound)" : s.policy;
      expect(html).toContain(
        `<tr><td>${name}</td><td>${s.meanBalance.toFixed(4)}</td><td>${s.p50Balance.toFixed(4)}</td><td>${s.p99Balance.toFixed(4)}</td><td>${s.maxBalance.toFixed(4)}</td></tr>`,
      );
    }
    const plots = figures(html);
    expect([...plots.keys()]).toEqual([...REPORT_PLOTS]);
    for (const [name, body] of plots) expect(body, name).toMatch(/<svg[\s\S]*<\/svg>/);
    // One legend entry per charted policy; the ideal is the dashed rule, not a line.
    for (const policy of ["no-redundancy", "eplb-even", "lplb", "lp-eplb"]) {
      expect(plots.get("balance-over-time")).toContain(`>${policy}</text>`);
      expect(plots.get("balance-cdf")).toContain(`>${policy}</text>`);
    }
    // A heat map cell per (layer, rank): 2 layers x 8 ranks.
    const worst = input.result.worstBatch!;
    for (const [name, rows] of [
      ["heatmap-before", worst.before],
      ["heatmap-after", worst.after],
    ] as const) {
      const cells = [
        ...plots
          .get(name)!
          .matchAll(
            /aria-label="EP rank: (\d+); layer: ([^;]+); [^"]*load: (\d+)" role="graphics-symbol" aria-roledescription="rect mark"/g,
          ),
      ];
      expect(cells.length, name).toBe(16);
      const drawn = cells.map((c) => `${c[2]}/${c[1]}=${c[3]}`).sort();
      const expected = rows.flatMap((loads, l) => Array.from(loads, (v, r) => `${l} (${[3, 9][l]})/${r}=${v}`)).sort();
      expect(drawn, name).toEqual(expected);
    }
    expect(html).toContain(`Rank loads in the worst batch (batch ${input.result.worstBatch!.batch})`);
    expect(plots.get("topology")!.match(/class="edge"/g)).toHaveLength(16);
    expect(plots.get("solver-latency")).toContain(">lplb</text>");
    expect(plots.get("solver-latency")).toContain(">lp-eplb</text>");
  });

  it("names the embedded load file by its place in the package, not this machine's path", async () => {
    const input = run(["no-redundancy", "lplb"]);
    const html = await renderSimulationReport({
      ...input,
      setup: { ...input.setup, trace: DEFAULT_TRACE, redundantPerRank: 1 },
    });
    expect(html).toContain("<td>load file</td><td>data/olmoe-1b-7b-domain-counts.json (embedded in @lplb/cli)</td>");
    expect(html).not.toContain(DEFAULT_TRACE);
    expect(html).toContain("EP8, 1 redundant expert per rank, 12 scored batches.");
  });

  it("leaves out the heat maps and latency when no LP policy ran", async () => {
    const html = await renderSimulationReport(run(["no-redundancy", "eplb-even"]));
    expect([...figures(html).keys()]).toEqual(["balance-over-time", "balance-cdf", "topology"]);
  });
});
