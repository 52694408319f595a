/** Generates the CLI reference page (docs/cli.md) from the program's own commands and options. */
import type { Command, Option } from "commander";
import { createProgram } from "./program.js";

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Inline code that survives a Markdown table cell: an HTML code element with every special character escaped. */
function code(text: string): string {
  return `<code>${text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "&#124;")}</code>`;
}

function defaultText(option: Option): string {
  if (option.defaultValueDescription !== undefined) return option.defaultValueDescription;
  if (option.defaultValue === undefined || option.negate || option.defaultValue === false) return "";
  const value = option.defaultValue as unknown;
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** A Markdown table with every column padded to its widest cell, as the repository's formatter writes it. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

function optionRows(command: Command): string[] {
  const rows: string[][] = [];
  for (const option of command.options as readonly Option[]) {
    const choices = option.argChoices === undefined ? "" : ` (one of ${option.argChoices.join(", ")})`;
    const fallback = defaultText(option);
    rows.push([code(option.flags), escapeCell(option.description + choices), fallback === "" ? "" : code(fallback)]);
  }
  rows.push([code("-h, --help"), "show the command's help", ""]);
  return table(["option", "description", "default"], rows);
}

const INTRO = `# CLI reference

\`lplb\` is the command of \`@lplb/cli\` (\`node packages/cli/dist/bin.js\` in a checkout). Every
command prints its help with \`--help\`. This page is generated from the program itself
(\`pnpm --filter @lplb/cli docs:cli\`), and a test checks that it is up to date.

**Exit codes**: \`0\` success; \`1\` runtime failure (the native addon cannot be loaded, a file
cannot be written, an internal error); \`2\` invalid usage or input (unknown option, a value out of
range, a malformed load file). Errors name the option or file, the position and what was
expected; see [Troubleshooting](./troubleshooting). Output files (\`--out\`, \`--report\`, \`--svg\`,
\`--dot\`) are written to a temporary file and renamed, so a failure never leaves a partial file.

**Load files** (\`--trace\`, \`lplb eplb [file]\`): JSON (\`{ "loads": [...] }\` or a bare array),
SGLang's \`{ "logical_count": [...] }\`, CSV (a layers x experts matrix, or long form with
\`layer,expert,count\` and optionally \`batch\`), and NumPy \`.npy\`. Two-dimensional data is
\`[layers][experts]\`; three-dimensional data is scenarios or, for time series, batches. See
[Load files](./guide/load-files).

**Topologies** (\`--topology\`, \`lplb topology <spec>\`): \`cube\` (8 ranks), \`hypercube\` (16),
\`ring\` or \`ring:N\` (N ranks, default 8), \`torus:MxN\` (M rows of N ranks, each at least 2), or a
JSON file holding an r2o matrix (\`[[...], ...]\`) or an object \`{ "name", "r2o" }\` whose \`name\` is
optional (default: the file's path). See [Topology files](./topology#topology-files).
`;

/**
 * The CLI reference as Markdown: global options, then per command its description, usage,
 * arguments and an options table with defaults.
 *
 * @param program the program to describe; default {@link createProgram}().
 */
export function cliReferenceMarkdown(program: Command = createProgram()): string {
  const out = [INTRO];
  out.push("## lplb", "", program.description(), "", "```text", `lplb ${program.usage()}`, "```", "");
  out.push(...optionRows(program), "");
  for (const command of program.commands) {
    const name = command.name();
    out.push(`## lplb ${name}`, "", command.description(), "", "```text", `lplb ${name} ${command.usage()}`, "```", "");
    const args = command.registeredArguments;
    if (args.length > 0) {
      const rows = args.map((argument) => [
        code(argument.required ? `<${argument.name()}>` : `[${argument.name()}]`),
        escapeCell(argument.description),
      ]);
      out.push(...table(["argument", "description"], rows), "");
    }
    out.push(...optionRows(command), "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
