// Writes docs/cli.md from the built program (run `pnpm --filter @lplb/cli build` first).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cliReferenceMarkdown } from "../dist/cli-reference.js";

const target = fileURLToPath(new URL("../../../docs/cli.md", import.meta.url));
writeFileSync(target, cliReferenceMarkdown());
console.log(`wrote ${target}`);
