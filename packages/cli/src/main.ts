/** Runs the `lplb` program and maps its outcome to an exit code. */
import { InvalidArgumentError, LplbError } from "@lplb/errors";
import { CommanderError } from "commander";
import { LaunchFailedError } from "./launch-command.js";
import { createProgram } from "./program.js";

/** Exit code for success. */
export const EXIT_OK = 0;
/** Exit code for a runtime failure (native addon missing, I/O error, internal error). */
export const EXIT_FAILURE = 1;
/** Exit code for invalid usage or input (unknown option, bad value, malformed file). */
export const EXIT_USAGE = 2;

/**
 * The exit code of an error thrown by the program: 0 for help and version output, 2 for usage
 * errors and {@link InvalidArgumentError}, the failing rank's code for `lplb launch`, 1 for
 * everything else.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (error instanceof LaunchFailedError) return error.exitCode;
  if (InvalidArgumentError.isInstance(error)) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/**
 * The line printed on stderr for an error, or undefined when commander has printed it already.
 * Errors of this project's packages print their message; anything else its stack, since it is a bug or
 * an environment problem.
 */
export function errorLine(error: unknown): string | undefined {
  if (error instanceof CommanderError) return undefined;
  if (LplbError.isInstance(error) || error instanceof LaunchFailedError) return `lplb: ${error.message}\n`;
  return `lplb: ${(error as Error)?.stack ?? String(error)}\n`;
}

/**
 * Runs `lplb` with `argv` (as `process.argv`: node, script, arguments...).
 *
 * @param stderr where error lines go; default `process.stderr`.
 * @returns the exit code (see {@link exitCodeOf}).
 */
export async function runLplb(
  argv: readonly string[],
  stderr: { write(text: string): unknown } = process.stderr,
): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    return EXIT_OK;
  } catch (error) {
    const line = errorLine(error);
    if (line !== undefined) stderr.write(line);
    return exitCodeOf(error);
  }
}
