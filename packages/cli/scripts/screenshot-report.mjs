// Renders a sample report (the main job, all layers) and saves a screenshot of it to
// docs/images/report.png. Needs the built CLI and Chromium (LPLB_CHROMIUM, default /usr/bin/chromium).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const output = join(packageDir, "..", "..", "docs", "images", "report.png");
const dir = mkdtempSync(join(tmpdir(), "lplb-screenshot-"));
try {
  const report = join(dir, "report.html");
  execFileSync(
    process.execPath,
    [join(packageDir, "dist", "bin.js"), "simulate", "--layer", "all", "--report", report],
    {
      stdio: "inherit",
    },
  );
  const browser = await chromium.launch({
    executablePath: process.env.LPLB_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
    await page.route("**/*", (route) =>
      route.request().url().startsWith("file://") ? route.continue() : route.abort(),
    );
    await page.goto(`file://${report}`, { waitUntil: "load" });
    mkdirSync(join(output, ".."), { recursive: true });
    await page.screenshot({ path: output, fullPage: true });
    console.log(`screenshot written to ${output}`);
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
