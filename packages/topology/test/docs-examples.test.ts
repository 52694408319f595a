/**
 * Runs every TypeScript example of docs/topology.md, so the guide stays true. Each example is
 * written to a temporary module (imports of @lplb packages pointed at this checkout) and imported;
 * its `assert` calls do the checking.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, expect, it, describe as suite } from "vitest";

const guidePath = fileURLToPath(new URL("../../../docs/topology.md", import.meta.url));
const guide = readFileSync(guidePath, "utf8");

const packagePaths: Record<string, string> = {
  "@lplb/topology": fileURLToPath(new URL("../src/index.ts", import.meta.url)),
  "@lplb/errors": fileURLToPath(new URL("../node_modules/@lplb/errors/dist/index.js", import.meta.url)),
};

/** The ```ts blocks of the guide, each titled by the heading above it. */
function examples(markdown: string): { title: string; code: string }[] {
  const found: { title: string; code: string }[] = [];
  let title = "";
  const lines = markdown.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const heading = /^#{1,6} (.*)$/.exec(lines[k]);
    if (heading) title = heading[1];
    if (lines[k] === "```ts") {
      const end = lines.indexOf("```", k + 1);
      found.push({ title, code: lines.slice(k + 1, end).join("\n") });
      k = end;
    }
  }
  return found;
}

const blocks = examples(guide);
const directory = mkdtempSync(join(tmpdir(), "lplb-topology-docs-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

suite("docs/topology.md examples", () => {
  it("has the examples this test expects, each asserting something", () => {
    expect(blocks.map((block) => block.title)).toEqual([
      "Reading a topology",
      "Your own matrix, validated",
      "Groups and nodes",
      "Saving and loading",
      "Drawing it",
      "Accepting a topology in your own API",
      "Random topologies for tests",
    ]);
    for (const block of blocks) expect(block.code).toMatch(/assert\.\w+\(/);
  });

  blocks.forEach((block, index) => {
    it(block.title, async () => {
      const code = block.code.replace(/from "(@lplb\/[a-z-]+)"/g, (_match, name: string) => {
        const path = packagePaths[name];
        if (path === undefined) throw new Error(`the example imports ${name}, which this test cannot map`);
        return `from ${JSON.stringify(pathToFileURL(path).href)}`;
      });
      const file = join(directory, `example-${index}.ts`);
      writeFileSync(file, code);
      await import(pathToFileURL(file).href);
    });
  });
});
