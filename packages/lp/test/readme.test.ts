/**
 * Runs the TypeScript example of README.md, so the documentation stays true. The example is
 * written to a temporary module (imports of @lplb packages pointed at this checkout) and
 * imported; its `assert` calls do the checking.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const packagePaths: Record<string, string> = {
  "@lplb/lp": fileURLToPath(new URL("../src/index.ts", import.meta.url)),
  "@lplb/topology": fileURLToPath(new URL("../node_modules/@lplb/topology/dist/index.js", import.meta.url)),
};

function tsBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const lines = markdown.split("\n");
  for (let k = 0; k < lines.length; k++) {
    if (lines[k] !== "```ts") continue;
    const end = lines.indexOf("```", k + 1);
    blocks.push(lines.slice(k + 1, end).join("\n"));
    k = end;
  }
  return blocks;
}

const directory = mkdtempSync(join(tmpdir(), "lplb-lp-readme-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("README.md", () => {
  const blocks = tsBlocks(readme);

  it("has one example, and it asserts", () => {
    expect(blocks.length).toBe(1);
    expect(blocks[0]).toMatch(/assert\.\w+\(/);
  });

  it("runs the example", async () => {
    const code = blocks[0].replace(/from "(@lplb\/[a-z-]+)"/g, (_match, name: string) => {
      const path = packagePaths[name];
      if (path === undefined) throw new Error(`the example imports ${name}, which this test cannot map`);
      return `from ${JSON.stringify(pathToFileURL(path).href)}`;
    });
    const file = join(directory, "example.ts");
    writeFileSync(file, code);
    await import(pathToFileURL(file).href);
  });
});
