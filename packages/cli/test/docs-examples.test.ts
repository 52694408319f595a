/**
 * Every ```ts block of the docs pages of the site (docs/index.md, docs/concepts.md, docs/guide/*.md,
 * docs/real-data.md, docs/troubleshooting.md, docs/cli.md) runs: transpiled, with "@lplb/..."
 * imports pointed at the built packages, in its own Node process. Blocks assert what they claim.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { PACKAGE_DIR, REPO_DIR, tempDir } from "./helpers.js";

const DOCS = join(REPO_DIR, "docs");
const PAGES = [
  "index.md",
  "concepts.md",
  "real-data.md",
  "troubleshooting.md",
  "cli.md",
  ...(existsSync(join(DOCS, "guide")) ? readdirSync(join(DOCS, "guide")).map((f) => join("guide", f)) : []),
].filter((page) => page.endsWith(".md") && existsSync(join(DOCS, page)));

interface Example {
  page: string;
  line: number;
  code: string;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const page of PAGES) {
    const lines = readFileSync(join(DOCS, page), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() !== "```ts") continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end].trim() !== "```") end++;
      out.push({ page, line: start + 1, code: lines.slice(start, end).join("\n") });
      i = end;
    }
  }
  return out;
}

/** Entry file of a workspace package, as its package.json "exports" says. */
function entryOf(name: string): string {
  const dir = name === "@lplb/cli" ? PACKAGE_DIR : join(PACKAGE_DIR, "node_modules", name);
  const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return pathToFileURL(join(dir, json.exports["."].import)).href;
}

function run(file: string, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c) => {
      output += c;
    });
    child.stderr.on("data", (c) => {
      output += c;
    });
    child.on("close", (code) => resolve({ code, output }));
  });
}

const all = examples();
const dir = tempDir("lplb-docs-");

describe("docs examples", () => {
  it("finds examples on the guide pages", () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
  });

  it.each(all.map((e) => [`${e.page}:${e.line}`, e] as const))(
    "%s runs",
    async (_, example) => {
      const js = ts.transpileModule(example.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const rewritten = js.replace(/from "(@lplb\/[a-z-]+)"/g, (_m, name: string) => `from "${entryOf(name)}"`);
      const file = join(dir, `${example.page.replace(/[/.]/g, "-")}-${example.line}.mjs`);
      writeFileSync(file, rewritten);
      const result = await run(file, REPO_DIR);
      expect(result.code, `${example.page}:${example.line}\n${result.output}`).toBe(0);
    },
    60_000,
  );
});
