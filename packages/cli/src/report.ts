/**
 * The HTML report of `lplb simulate --report`: one self-contained, offline file (inline CSS and
 * SVG charts rendered with Vega-Lite in Node; no scripts, no external URLs).
 */
import { expectOptions, invalid } from "@lplb/errors";
import { isTopology, type Topology } from "@lplb/topology";
import { DEFAULT_TRACE } from "./loads.js";
import type { Policy, SimulationResult } from "./simulate.js";
import type { SimulationSetup } from "./simulate-command.js";
import { topologySvg } from "./topology-svg.js";

/** What {@link renderSimulationReport} draws. */
export interface ReportInput {
  readonly setup: SimulationSetup;
  readonly result: SimulationResult;
  /** The topology simulated (for the drawing). */
  readonly topology: Topology;
  /** Page title; default `"lplb simulate report"`. */
  readonly title?: string;
}

/** The plots of a report, by their `data-plot` attribute, in page order. */
export const REPORT_PLOTS = [
  "balance-over-time",
  "balance-cdf",
  "heatmap-before",
  "heatmap-after",
  "topology",
  "solver-latency",
] as const;

const POLICY_COLORS: Record<Policy, string> = {
  "no-redundancy": "#8c8c8c",
  "eplb-even": "#1f77b4",
  lplb: "#d62728",
  "lp-eplb": "#2ca02c",
  ideal: "#111111",
};

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

type VegaLiteSpec = Record<string, unknown>;

/** Renders a Vega-Lite spec to SVG text in Node (no browser, no canvas), namespaces stripped for inlining. */
async function renderChart(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vegaLite.compile({
    config: { font: "sans-serif", view: { stroke: "#ddd" } },
    ...spec,
  } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, "");
  } finally {
    view.finalize();
  }
}

function policyScale(policies: readonly Policy[]) {
  return { domain: [...policies], range: policies.map((p) => POLICY_COLORS[p]) };
}

function balanceOverTime(result: SimulationResult): VegaLiteSpec {
  const policies = result.policies.filter((p) => p !== "ideal");
  const values = policies.flatMap((policy) =>
    Array.from(result.balances[policy]!, (balance, batch) => ({ batch, balance, policy })),
  );
  return {
    width: 760,
    height: 280,
    layer: [
      {
        data: { values },
        mark: { type: "line", strokeWidth: 1.3, interpolate: "linear" },
        encoding: {
          x: { field: "batch", type: "quantitative", title: "batch" },
          y: {
            field: "balance",
            type: "quantitative",
            title: "balance (max / mean rank load)",
            scale: { zero: false },
          },
          color: { field: "policy", type: "nominal", scale: policyScale(policies), title: "policy" },
        },
      },
      {
        data: { values: [{ bound: 1 }] },
        mark: { type: "rule", strokeDash: [5, 4], color: POLICY_COLORS.ideal },
        encoding: { y: { field: "bound", type: "quantitative" } },
      },
    ],
  };
}

function balanceCdf(result: SimulationResult): VegaLiteSpec {
  const policies = result.policies.filter((p) => p !== "ideal");
  const values = policies.flatMap((policy) => {
    const sorted = Float64Array.from(result.balances[policy]!).sort();
    return Array.from(sorted, (balance, i) => ({ balance, fraction: (i + 1) / sorted.length, policy }));
  });
  return {
    width: 760,
    height: 260,
    data: { values },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.6 },
    encoding: {
      x: { field: "balance", type: "quantitative", title: "balance", scale: { zero: false } },
      y: { field: "fraction", type: "quantitative", title: "fraction of batches with balance <= x" },
      color: { field: "policy", type: "nominal", scale: policyScale(policies), title: "policy" },
    },
  };
}

function heatmap(
  rows: readonly Float64Array[],
  layerLabels: readonly string[],
  domain: [number, number],
  title: string,
): VegaLiteSpec {
  const values = rows.flatMap((loads, l) => {
    const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
    return Array.from(loads, (load, rank) => ({
      rank,
      layer: layerLabels[l],
      relative: mean > 0 ? load / mean : 1,
      load,
    }));
  });
  const epSize = rows[0]?.length ?? 1;
  return {
    title,
    width: Math.min(760, Math.max(260, epSize * 30)),
    height: Math.min(480, Math.max(60, rows.length * 30)),
    data: { values },
    mark: { type: "rect" },
    encoding: {
      x: { field: "rank", type: "ordinal", title: "EP rank", axis: { labelAngle: 0 } },
      y: { field: "layer", type: "ordinal", title: "layer", sort: [...layerLabels] },
      color: {
        field: "relative",
        type: "quantitative",
        title: "load / mean",
        scale: { scheme: "blueorange", domainMid: 1, domain },
      },
      tooltip: [
        { field: "rank", type: "ordinal", title: "EP rank" },
        { field: "layer", type: "ordinal", title: "layer" },
        { field: "relative", type: "quantitative", title: "load / mean", format: ".3f" },
        { field: "load", type: "quantitative", title: "load", format: ".0f" },
      ],
    },
  };
}

function latencyChart(result: SimulationResult): VegaLiteSpec | undefined {
  const values: { solver: string; micros: number }[] = [];
  if (result.lplb !== undefined) {
    for (const v of result.lplb.solveMicros.samples) values.push({ solver: "lplb", micros: v });
  }
  if (result.lpEplb !== undefined) {
    for (const v of result.lpEplb.solveMicros.samples) values.push({ solver: "lp-eplb", micros: v });
  }
  if (values.length === 0) return undefined;
  return {
    width: 640,
    height: 120,
    data: { values },
    mark: { type: "boxplot", extent: "min-max" },
    encoding: {
      y: { field: "solver", type: "nominal", title: null },
      x: {
        field: "micros",
        type: "quantitative",
        title: "solve time per layer and batch (us)",
        scale: { type: "log" },
      },
    },
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function figure(plot: string, svg: string, caption: string): string {
  return `<figure class="plot" data-plot="${plot}">\n${svg}\n<figcaption>${escapeHtml(caption)}</figcaption>\n</figure>`;
}

/** How the report names the embedded default load file: by its place in the package, not this machine's path. */
const EMBEDDED_TRACE_LABEL = "data/olmoe-1b-7b-domain-counts.json (embedded in @lplb/cli)";

function configurationRows(setup: SimulationSetup): string[][] {
  const rows: [string, string | number | null][] = [
    ["source", setup.source],
    ["load file", setup.trace === DEFAULT_TRACE ? EMBEDDED_TRACE_LABEL : setup.trace],
    ["format", setup.format],
    ["model", setup.model],
    [setup.source === "trace" ? "batches" : "served scenario", setup.scenario],
    ["planned on", setup.calibration],
    ["layers", setup.layers.join(", ")],
    ["model layer ids", setup.layerIds === null ? null : setup.layerIds.join(", ")],
    ["experts", setup.experts],
    ["top-k", setup.source === "trace" ? null : setup.topK],
    ["topology", `${setup.topology} (${setup.groupSize} ranks per group, ${setup.slots} slots)`],
    ["EP size", setup.epSize],
    ["redundant experts per rank", setup.redundantPerRank],
    ["GPUs per node", setup.gpusPerNode],
    ["expert groups (EPLB)", setup.expertGroups],
    ["tokens per rank per batch", setup.tokensPerRank],
    ["scored batches", setup.batches],
    ["history window (batches)", setup.window],
    ["re-plan every (batches)", setup.replanEvery],
    ["calibration batches", setup.calibrationBatches],
    ["Zipf exponent", setup.zipfExponent],
    ["seed", setup.seed],
    ["policies", setup.policies.join(", ")],
  ];
  return rows.filter(([, value]) => value !== null && value !== "").map(([k, v]) => [k, String(v)]);
}

/**
 * Renders the report of one simulation as a complete HTML document.
 *
 * @param input the setup, result and topology (borrowed).
 * @returns the HTML text; it references nothing outside itself.
 */
export async function renderSimulationReport(input: ReportInput): Promise<string> {
  const checked = expectOptions("input", input);
  if (!isTopology(checked.topology)) invalid("input.topology", "a Topology from @lplb/topology", checked.topology);
  const result = checked.result as SimulationResult;
  if (
    typeof result !== "object" ||
    result === null ||
    !Array.isArray(result.summaries) ||
    typeof result.balances !== "object"
  ) {
    invalid("input.result", "a result of simulate()", result);
  }
  const setup = checked.setup as SimulationSetup;
  if (typeof setup !== "object" || setup === null || !Array.isArray(setup.layers) || typeof setup.epSize !== "number") {
    invalid("input.setup", "a SimulationSetup (layers, epSize, ...)", setup);
  }
  const topology = checked.topology as Topology;
  const title = typeof checked.title === "string" ? checked.title : "lplb simulate report";
  const sections: string[] = [];
  sections.push(
    `<section id="configuration"><h2>Configuration</h2>${table(["setting", "value"], configurationRows(setup))}</section>`,
  );
  const summaryRows = result.summaries.map((s) => [
    s.policy === "ideal" ? "ideal (bound)" : s.policy,
    s.meanBalance.toFixed(4),
    s.p50Balance.toFixed(4),
    s.p99Balance.toFixed(4),
    s.maxBalance.toFixed(4),
  ]);
  sections.push(
    `<section id="summary"><h2>Summary</h2>${table(["policy", "mean balance", "p50 balance", "p99 balance", "max balance"], summaryRows)}` +
      "<p>Balance of a batch: the sum over layers of the most loaded rank's tokens divided by the sum of the mean rank's " +
      "(with one layer, max / mean). 1.0 is perfect; the ideal split is the bound no placement can beat.</p></section>",
  );
  const charts: string[] = [];
  charts.push(
    figure(
      "balance-over-time",
      await renderChart(balanceOverTime(result)),
      "Balance of every scored batch, per policy; the dashed rule is the ideal bound 1.",
    ),
  );
  charts.push(
    figure(
      "balance-cdf",
      await renderChart(balanceCdf(result)),
      "Distribution of the per-batch balance (empirical CDF): further left is better.",
    ),
  );
  sections.push(`<section id="balance"><h2>Balance per batch</h2>${charts.join("\n")}</section>`);

  if (result.worstBatch !== undefined) {
    const worst = result.worstBatch;
    const labels = setup.layers.map((l, i) => (setup.layerIds === null ? String(l) : `${l} (${setup.layerIds[i]})`));
    let low = Number.POSITIVE_INFINITY;
    let high = 0;
    for (const rows of [worst.before, worst.after]) {
      for (const loads of rows) {
        const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
        for (const v of loads) {
          const r = mean > 0 ? v / mean : 1;
          low = Math.min(low, r);
          high = Math.max(high, r);
        }
      }
    }
    const domain: [number, number] = [Math.min(low, 0.99), Math.max(high, 1.01)];
    const before = await renderChart(
      heatmap(
        worst.before,
        labels,
        domain,
        `before: LPLB's placement, every token on its original (balance ${worst.balanceBefore.toFixed(4)})`,
      ),
    );
    const after = await renderChart(
      heatmap(worst.after, labels, domain, `after LPLB (balance ${worst.balanceAfter.toFixed(4)})`),
    );
    sections.push(
      `<section id="heatmaps"><h2>Rank loads in the worst batch (batch ${worst.batch})</h2>` +
        "<p>The batch where LPLB's placement alone is the most unbalanced. Colour: tokens on the rank divided by the mean rank's, per layer.</p>" +
        figure("heatmap-before", before, "Per-rank load before the LP split.") +
        figure("heatmap-after", after, "Per-rank load after LPLB moved tokens of replicated experts to their copies.") +
        "</section>",
    );
  }

  sections.push(
    `<section id="topology"><h2>Topology</h2>` +
      figure(
        "topology",
        topologySvg(topology, { epSize: setup.epSize, gpusPerNode: setup.gpusPerNode }).replace(/\s+xmlns="[^"]*"/, ""),
        "Arrows point from the rank holding an expert to the rank holding its copy; colour is the redundant slot.",
      ) +
      "</section>",
  );

  const latency = latencyChart(result);
  if (latency !== undefined) {
    const rows: string[][] = [];
    if (result.lplb !== undefined) {
      rows.push([
        "lplb",
        result.lplb.solveMicros.median.toFixed(1),
        result.lplb.solveMicros.p99.toFixed(1),
        `${result.lplb.fallbacks} of ${result.lplb.solves}`,
      ]);
    }
    if (result.lpEplb !== undefined) {
      rows.push([
        "lp-eplb",
        result.lpEplb.solveMicros.median.toFixed(1),
        result.lpEplb.solveMicros.p99.toFixed(1),
        `${result.lpEplb.fallbacks} of ${result.lpEplb.solves}`,
      ]);
    }
    sections.push(
      `<section id="latency"><h2>Solver latency</h2>` +
        figure(
          "solver-latency",
          await renderChart(latency),
          "Wall time of the LP solves per layer and batch (lplb: all redundancy groups of a layer; lp-eplb: one LP per layer), log scale: box from quartile to quartile, whiskers at min and max.",
        ) +
        table(["policy", "median (us)", "p99 (us)", "LPs not optimal"], rows) +
        "</section>",
    );
  }

  const css = [
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f23;background:#fff}",
    "h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #e1e4e8;padding-bottom:.3rem}",
    "table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left}",
    "td:not(:first-child){font-variant-numeric:tabular-nums}",
    "figure.plot{margin:1rem 0;overflow-x:auto}figcaption{color:#57606a;font-size:.9rem}",
  ].join("\n");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${css}\n</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(setup.model)}; ${escapeHtml(setup.topology)} topology, EP${setup.epSize}, ${setup.redundantPerRank} redundant expert${setup.redundantPerRank === 1 ? "" : "s"} per rank, ${result.batches} scored batch${result.batches === 1 ? "" : "es"}.</p>`,
    ...sections,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
