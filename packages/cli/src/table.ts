/** Plain-text tables for terminal output. */

/**
 * Formats rows under a header as aligned columns separated by two spaces, with a dashed rule
 * under the header. The first column is left-aligned, the others right-aligned (numbers).
 *
 * @returns the table, one line per row, ending with a newline.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return `${[line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")}\n`;
}
