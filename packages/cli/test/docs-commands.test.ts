/**
 * Every `lplb` command in a ```sh block of the docs (docs/**\/*.md, written `lplb ...` or
 * `node packages/cli/dist/bin.js ...`) runs through the built CLI and exits with code 0. Other
 * commands of those blocks (installing, building, Python one-liners) are not run; the files they
 * would make are stood in for by small fixtures. A file that a page shows in a titled block
 * (```json [pairs.json]) is written where the commands run. Shell variables set in earlier blocks
 * of a page (`T=...`) are expanded, and placeholders that the page fills from its results table
 * (`TOPOLOGY`) take a value from that table.
 *
 * Runs are shortened the documented way (`simulate --batches 2`, `bench --repeats 1`), and where
 * the page shows the command's results (a text block or a table), the shortened run prints the
 * same columns and policies; `lplb topology`, which draws nothing at random, prints the page's text
 * exactly. Commands that read ../shared (real data, not shipped with the
 * repository) are skipped, with the reason in the test name, when that folder is missing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeNpy } from "../src/npy.js";
import { seededRandom } from "../src/random.js";
import { REPO_DIR, runCli, tempDir } from "./helpers.js";

const DOCS = join(REPO_DIR, "docs");
const SHARED = join(REPO_DIR, "..", "shared");
const POLICY_ROWS = ["no-redundancy", "eplb-even", "lplb", "lp-eplb", "ideal (bound)"];

/** How a long-running command is shortened, per subcommand: options replaced or appended. */
const SHORTEN: Record<string, Record<string, string>> = {
  simulate: { "--batches": "2" },
  bench: { "--repeats": "1" },
};

/** Values of the placeholders that pages fill from their results tables (one row of each table). */
const PLACEHOLDERS: Record<string, string> = { TOPOLOGY: "hypercube", GPUS: "8", GROUPS: "8" };

/** Files that the commands the test does not run (Python one-liners) make for the lplb commands. */
const FIXTURES: Record<string, () => Uint8Array> = {
  // `np.save('trace.npy', counts.astype(np.int32))`, counts: [batches][layers][experts]
  "trace.npy": () => {
    const random = seededRandom(7);
    const [batches, layers, experts] = [24, 3, 64];
    const counts = Int32Array.from({ length: batches * layers * experts }, () => Math.floor(random() * 200));
    return encodeNpy(counts, [batches, layers, experts]);
  },
};

interface DocCommand {
  /** `page:line` of the command's first line. */
  readonly where: string;
  /** The command as the page writes it (continuations joined). */
  readonly text: string;
  /** Arguments after `lplb`, variables and placeholders expanded, before shortening. */
  readonly args: string[];
  /** What the page shows after the block: column names of its results, if any. */
  readonly shown: Shown | undefined;
}

interface Shown {
  /** A text block of `lplb simulate` output: its header columns and policy rows. */
  readonly textHeader?: string[];
  readonly textRows?: string[];
  /** A Markdown results table: its column names. */
  readonly tableColumns?: string[];
  /** The whole text block, for output that does not change from run to run. */
  readonly text?: string;
}

function markdownPages(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      // docs/api is generated from TSDoc; .vitepress holds the site's config and build output.
      return name === "api" || name.startsWith(".") || name === "node_modules" ? [] : markdownPages(path);
    }
    return name.endsWith(".md") ? [path] : [];
  });
}

/** Splits a shell line into words: quotes, `$VAR`/`${VAR}` expansion (unquoted values split on spaces). */
function shellWords(line: string, vars: Map<string, string>, where: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const expand = (name: string): string => {
    const value = vars.get(name);
    if (value === undefined) throw new Error(`${where}: $${name} is not set by an earlier block of the page`);
    return value;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      word = (word ?? "") + line.slice(i + 1, end).replace(/\$\{?(\w+)\}?/g, (_, name: string) => expand(name));
      i = end;
    } else if (c === "$") {
      const match = /^\$\{?(\w+)\}?/.exec(line.slice(i))!;
      const parts = expand(match[1]).split(/\s+/).filter(Boolean);
      word = (word ?? "") + (parts[0] ?? "");
      for (const part of parts.slice(1)) {
        words.push(word);
        word = part;
      }
      i += match[0].length - 1;
    } else if ("|&;<>`".includes(c)) {
      throw new Error(`${where}: the test runs single commands, not shell syntax like ${JSON.stringify(c)}`);
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Drops a trailing `# comment` (outside quotes). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || line[i - 1] === " ")) return line.slice(0, i);
  }
  return line;
}

/** What the page shows after a block, up to the next block of commands or heading. */
function shownAfter(lines: string[], from: number): Shown | undefined {
  for (let i = from; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith("#") || line === "```sh") return undefined;
    if (line === "```text") {
      const header = lines[i + 1]?.trim() ?? "";
      let end = i + 1;
      while (end < lines.length && lines[end].trim() !== "```") end++;
      if (!header.startsWith("policy ")) return { text: lines.slice(i + 1, end).join("\n") };
      const rows: string[] = [];
      for (let j = i + 3; j < lines.length && lines[j].trim() !== "```" && lines[j].trim() !== ""; j++)
        rows.push(lines[j].trim().split(/\s{2,}/)[0]);
      return { textHeader: header.split(/\s{2,}/), textRows: rows };
    }
    if (line.startsWith("|")) {
      return {
        tableColumns: line
          .split("|")
          .slice(1, -1)
          .map((cell) => cell.trim()),
      };
    }
  }
  return undefined;
}

/** Files that pages show in titled blocks (```json [name.json]), by name. */
const pageFiles = new Map<string, { where: string; text: string }>();

function docCommands(): DocCommand[] {
  const out: DocCommand[] = [];
  for (const path of markdownPages(DOCS)) {
    const page = relative(DOCS, path);
    const lines = readFileSync(path, "utf8").split("\n");
    const vars = new Map<string, string>();
    for (let i = 0; i < lines.length; i++) {
      const titled = /^```\w+ \[([\w.-]+)\]$/.exec(lines[i].trim());
      if (titled !== null) {
        let end = i + 1;
        while (end < lines.length && lines[end].trim() !== "```") end++;
        const file = { where: `${page}:${i + 1}`, text: `${lines.slice(i + 1, end).join("\n")}\n` };
        const earlier = pageFiles.get(titled[1]);
        if (earlier !== undefined && earlier.text !== file.text)
          throw new Error(`${file.where}: ${titled[1]} differs from the one at ${earlier.where}`);
        pageFiles.set(titled[1], file);
        i = end;
        continue;
      }
      if (!["```sh", "```bash", "```shell", "```console"].includes(lines[i].trim())) continue;
      let end = i + 1;
      while (end < lines.length && lines[end].trim() !== "```") end++;
      for (let j = i + 1; j < end; j++) {
        const first = j;
        let text = stripComment(lines[j]);
        while (text.trimEnd().endsWith("\\") && j + 1 < end)
          text = `${text.trimEnd().slice(0, -1)} ${stripComment(lines[++j])}`;
        text = text.trim().replace(/^\$ /, "");
        if (text === "") continue;
        const where = `${page}:${first + 1}`;
        const assignment = /^(\w+)=(.*)$/.exec(text);
        if (assignment !== null) {
          vars.set(assignment[1], shellWords(assignment[2], vars, where).join(" "));
          continue;
        }
        const cli = /^(?:lplb|node (?:\.\/)?packages\/cli\/dist\/bin\.js)(?:\s|$)/.exec(text);
        if (cli === null) continue; // not an lplb command (pnpm install, python ...): not run
        const args = shellWords(text.slice(cli[0].length), vars, where).map((word) => PLACEHOLDERS[word] ?? word);
        const unknown = args.filter((word) => /^[A-Z][A-Z_]{2,}$/.test(word));
        if (unknown.length > 0) throw new Error(`${where}: no value for the placeholder ${unknown.join(", ")}`);
        out.push({ where, text, args, shown: shownAfter(lines, end + 1) });
      }
      i = end;
    }
  }
  return out;
}

/** The arguments with the command's shortening applied (options replaced when given, else appended). */
function shortened(args: readonly string[]): string[] {
  const out = [...args];
  for (const [flag, value] of Object.entries(SHORTEN[args[0]] ?? {})) {
    const at = out.indexOf(flag);
    if (at >= 0) out[at + 1] = String(Math.min(Number(out[at + 1]), Number(value)));
    else out.push(flag, value);
  }
  return out;
}

/** Policies (first column) of the summary table in `lplb simulate` output, with its header. */
function summaryTable(stdout: string): { header: string[]; rows: string[] } {
  const lines = stdout.split("\n");
  const start = lines.findIndex((line) => line.startsWith("policy "));
  if (start < 0) return { header: [], rows: [] };
  const rows: string[] = [];
  for (let i = start + 2; i < lines.length && lines[i].trim() !== ""; i++) rows.push(lines[i].split(/\s{2,}/)[0]);
  return { header: lines[start].trim().split(/\s{2,}/), rows };
}

const commands = docCommands();

// The commands run in a scratch folder laid out like the checkout's parent: scratch/work is the
// working directory and scratch/shared stands for ../shared, so outputs (report.html) land there.
const scratch = tempDir("lplb-docs-commands-");
const work = join(scratch, "work");
mkdirSync(work);
if (existsSync(SHARED)) symlinkSync(SHARED, join(scratch, "shared"), "dir");
for (const [name, make] of Object.entries(FIXTURES)) writeFileSync(join(work, name), make());
for (const [name, file] of pageFiles) writeFileSync(join(work, name), file.text);
const needShared = commands.filter((c) => c.args.some((arg) => arg.includes("../shared/"))).length;
if (needShared > 0 && !existsSync(SHARED))
  console.warn(`docs commands: skipping the ${needShared} that read ${SHARED}: not found (real data is not shipped)`);

describe("lplb commands of the docs' sh blocks", () => {
  it("finds the commands of the guide and real-data pages", () => {
    const pages = new Set(commands.map((c) => c.where.split(":")[0]));
    for (const page of ["real-data.md", "guide/getting-started.md", "guide/load-files.md", "guide/report.md"])
      expect(pages.has(page), page).toBe(true);
    expect(commands.length).toBeGreaterThanOrEqual(10);
  });

  it("has a fixture only for files that a docs command reads", () => {
    for (const name of Object.keys(FIXTURES))
      expect(
        commands.some((c) => c.args.includes(name)),
        name,
      ).toBe(true);
  });

  for (const command of commands) {
    const args = shortened(command.args);
    const changed = args.length !== command.args.length || args.some((arg, i) => arg !== command.args[i]);
    const skip =
      args.some((arg) => arg.includes("../shared/")) && !existsSync(SHARED)
        ? ` (skipped: ${SHARED} not found; the real data is not shipped with the repository)`
        : "";
    const label = `${command.where}: lplb ${args.join(" ")}${changed ? " (shortened)" : ""}${skip}`;
    it.skipIf(skip !== "")(
      label,
      async () => {
        const run = await runCli(args, { cwd: work });
        expect(run.code, `${command.where}: ${command.text}\n${run.stderr}`).toBe(0);
        const shown = command.shown;
        if (shown?.text !== undefined && args[0] === "topology")
          expect(run.stdout, command.where).toBe(`${shown.text}\n`);
        if (shown === undefined || args[0] !== "simulate") return;
        const table = summaryTable(run.stdout);
        if (shown.textHeader !== undefined) {
          // The page shows this command's printed table: same columns, same policies.
          expect(table.header, command.where).toEqual(shown.textHeader);
          expect(table.rows, command.where).toEqual(shown.textRows);
        }
        if (shown.tableColumns !== undefined) {
          // The page's results table has a column per policy that the run reports, and the solve time if shown.
          const policies = shown.tableColumns.filter((column) => POLICY_ROWS.includes(column));
          expect(policies.length, `${command.where}: a results table with policy columns`).toBeGreaterThan(0);
          for (const policy of policies) expect(table.rows, `${command.where}: ${policy}`).toContain(policy);
          if (shown.tableColumns.some((column) => column.startsWith("LPLB solve")))
            expect(run.stdout, command.where).toMatch(/^LPLB solve \(/m);
        }
      },
      60_000,
    );
  }
});
