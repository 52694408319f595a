/** The `lplb` command-line program: every subcommand, assembled for `bin.ts` and for docs. */
import { Command } from "commander";
import { benchCommand } from "./bench-command.js";
import { eplbCommand } from "./eplb-command.js";
import { cliVersion, inspectCommand } from "./inspect-command.js";
import { launchCommand } from "./launch-command.js";
import { simulateCommand } from "./simulate-command.js";
import { topologyCommand } from "./topology-command.js";

/**
 * Builds the `lplb` program. Errors are not printed or turned into exit codes here: the caller
 * (`bin.ts`) maps them (0 success, 1 runtime failure, 2 invalid usage or input).
 *
 * @returns a new commander program with `exitOverride()` on it and on every subcommand.
 */
export function createProgram(): Command {
  const program = new Command("lplb")
    .description("Linear-programming load balancing for Mixture-of-Experts expert parallelism")
    .version(cliVersion(), "-V, --version", "print the version")
    .showHelpAfterError("(add --help for usage)")
    // Options after a subcommand belong to it: `lplb launch -n 2 script.js --x` passes --x on.
    .enablePositionalOptions()
    .exitOverride();
  for (const command of [
    simulateCommand(),
    eplbCommand(),
    topologyCommand(),
    inspectCommand(),
    benchCommand(),
    launchCommand(),
  ]) {
    program.addCommand(command.exitOverride().showHelpAfterError("(add --help for usage)"));
  }
  return program;
}
