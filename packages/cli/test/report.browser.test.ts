/**
 * The report in headless Chromium: it renders, every plot is drawn with a real size, the console
 * stays clean, and no network request is even attempted (all of them are blocked and recorded).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPORT_PLOTS } from "../src/report.js";
import { runCli, tempDir } from "./helpers.js";

const CHROMIUM = process.env.LPLB_CHROMIUM ?? "/usr/bin/chromium";
const missing = existsSync(CHROMIUM) ? "" : `${CHROMIUM} not found (install chromium, or set LPLB_CHROMIUM)`;

describe("report in a browser", () => {
  it.skipIf(missing !== "")(
    `renders every plot offline without console errors${missing === "" ? "" : ` (skipped: ${missing})`}`,
    async () => {
      const dir = tempDir();
      const report = join(dir, "report.html");
      const run = await runCli(["simulate", "--batches", "20", "--layer", "all", "--report", report]);
      expect(run.code, run.stderr).toBe(0);
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      try {
        const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
        const attempted = new Set<string>();
        await context.route("**/*", (route) => {
          const url = route.request().url();
          if (url === `file://${report}`) return route.continue();
          attempted.add(url);
          return route.abort();
        });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error" || message.type() === "warning")
            problems.push(`${message.type()}: ${message.text()}`);
        });
        page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
        page.on("requestfailed", (request) => {
          if (request.url() !== `file://${report}`) attempted.add(request.url());
        });
        await page.goto(`file://${report}`, { waitUntil: "load" });
        const plots = await page.$$eval("figure.plot", (figures) =>
          figures.map((figure) => {
            const svg = figure.querySelector("svg");
            const box = svg?.getBoundingClientRect();
            return {
              name: figure.getAttribute("data-plot"),
              width: box?.width ?? 0,
              height: box?.height ?? 0,
              marks: svg?.querySelectorAll("path, circle, rect, line").length ?? 0,
            };
          }),
        );
        expect(plots.map((p) => p.name)).toEqual([...REPORT_PLOTS]);
        for (const plot of plots) {
          expect(plot.width, plot.name ?? "").toBeGreaterThan(100);
          expect(plot.height, plot.name ?? "").toBeGreaterThan(50);
          expect(plot.marks, plot.name ?? "").toBeGreaterThan(5);
        }
        expect(await page.title()).toBe("lplb simulate report");
        expect(problems).toEqual([]);
        expect([...attempted]).toEqual([]);
        // The trap works: a request made now is blocked and recorded.
        await page.evaluate(() => fetch("https://example.invalid/probe").catch(() => undefined));
        expect([...attempted]).toEqual(["https://example.invalid/probe"]);
        const png = join(dir, "report.png");
        await page.screenshot({ path: png, fullPage: true });
        const bytes = readFileSync(png);
        expect(bytes.subarray(1, 4).toString()).toBe("PNG");
        expect(bytes.length).toBeGreaterThan(20000);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
