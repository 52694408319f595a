/** The docs stay true to the code: the CLI reference is current and troubleshooting quotes real messages. */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Option } from "commander";
import { describe, expect, it } from "vitest";
import { cliReferenceMarkdown } from "../src/cli-reference.js";
import { createProgram } from "../src/program.js";
import { REPO_DIR } from "./helpers.js";

const docs = (page: string) => readFileSync(join(REPO_DIR, "docs", page), "utf8");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [readFileSync(path, "utf8")] : [];
  });
}

describe("docs/cli.md", () => {
  const page = docs("cli.md");

  it("is the current output of the generator (pnpm --filter @lplb/cli docs:cli)", () => {
    expect(page).toBe(cliReferenceMarkdown());
  });

  it("documents every command, argument and option", () => {
    const program = createProgram();
    expect(program.commands.length).toBe(6);
    for (const command of program.commands) {
      expect(page).toContain(`## lplb ${command.name()}\n`);
      const section = page.slice(page.indexOf(`## lplb ${command.name()}\n`)).split("\n## ")[0];
      for (const argument of command.registeredArguments) expect(section).toContain(argument.name());
      for (const option of command.options as readonly Option[]) {
        expect(section, `${command.name()} ${option.long}`).toContain(
          `<code>${option.flags.replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "&#124;")}</code>`,
        );
      }
    }
  });
});

describe("docs/troubleshooting.md", () => {
  it("is headed by messages that the packages really print", () => {
    const packagesDir = join(REPO_DIR, "packages");
    const code = readdirSync(packagesDir)
      .filter((name) => statSync(join(packagesDir, name, "src"), { throwIfNoEntry: false })?.isDirectory())
      .flatMap((name) => sources(join(packagesDir, name, "src")))
      .join("\n");
    const headings = [...docs("troubleshooting.md").matchAll(/^## `(.+)`$/gm)].map((m) => m[1]);
    expect(headings.length).toBeGreaterThanOrEqual(10);
    // Readers build "<file>: <where>: expected <what>" from a `fail(where, what)` helper, so for a
    // heading "expected <what>" the source holds "<what>".
    const printed = (heading: string) =>
      code.includes(heading) || (heading.startsWith("expected ") && code.includes(heading.slice("expected ".length)));
    for (const heading of headings) expect(printed(heading), heading).toBe(true);
  });
});

describe("the docs site build", () => {
  const root = JSON.parse(readFileSync(join(REPO_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> };

  it("hands Biome no git-ignored path in the docs scripts (Biome processes nothing there and fails)", () => {
    const docsScripts = Object.entries(root.scripts).filter(([name]) => name.startsWith("docs:"));
    expect(docsScripts.map(([name]) => name)).toContain("docs:build");
    for (const [name, script] of docsScripts) {
      for (const step of script.split(/&&|;|\|\|/).map((s) => s.trim().split(/\s+/))) {
        if (!step[0]?.endsWith("biome") || step.includes("--vcs-use-ignore-file=false")) continue;
        const paths = step.slice(2).filter((word) => !word.startsWith("-"));
        for (const path of paths) {
          const ignored = spawnSync("git", ["check-ignore", "-q", path], { cwd: REPO_DIR }).status === 0;
          expect(ignored, `${name}: biome ${step[1]} ${path}`).toBe(false);
        }
      }
    }
  });

  it("builds the packages' declarations before TypeDoc reads them (a fresh clone has no dist/)", () => {
    const steps = root.scripts["docs:api"].split("&&").map((step) => step.trim());
    const typedoc = steps.findIndex((step) => step.startsWith("typedoc "));
    expect(typedoc, root.scripts["docs:api"]).toBeGreaterThan(0);
    expect(steps.slice(0, typedoc)).toContain("tsc -b");
  });

  it("puts every public package in the API reference (docs/.vitepress/typedoc.json)", () => {
    const typedoc = JSON.parse(readFileSync(join(REPO_DIR, "docs", ".vitepress", "typedoc.json"), "utf8")) as {
      entryPoints: string[];
    };
    const packagesDir = join(REPO_DIR, "packages");
    const published = readdirSync(packagesDir).filter((name) => {
      const json = join(packagesDir, name, "package.json");
      if (!statSync(json, { throwIfNoEntry: false })?.isFile()) return false;
      const manifest = JSON.parse(readFileSync(json, "utf8")) as { private?: boolean; exports?: unknown };
      return manifest.private !== true && manifest.exports !== undefined;
    });
    expect(published).toContain("launch");
    for (const name of published) expect(typedoc.entryPoints, name).toContain(`../../packages/${name}`);
  });
});
