#!/usr/bin/env node
/** The `lplb` command. Exit codes: 0 success, 1 failure, 2 invalid arguments or input. */
import { InvalidArgumentError, LplbError } from "@lplb/errors";
import { Command, CommanderError } from "commander";
import { simulateCommand } from "./simulate-command.js";

const program = new Command("lplb")
  .description("Linear-programming load balancing for Mixture-of-Experts expert parallelism")
  .exitOverride()
  .showHelpAfterError()
  .addCommand(simulateCommand().exitOverride());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (InvalidArgumentError.isInstance(error)) {
    process.stderr.write(`lplb: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`lplb: ${LplbError.isInstance(error) ? error.message : ((error as Error)?.stack ?? String(error))}\n`);
    process.exitCode = 1;
  }
}
