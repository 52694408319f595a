/**
 * Output files are written to a temporary file next to the target and renamed into place, so a
 * failure never leaves a partial or truncated output behind.
 */
import { randomBytes } from "node:crypto";
import { accessSync, constants, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidArgumentError, invalid } from "@lplb/errors";

/**
 * Checks, before any work is done, that `path` can be written: its directory exists and is
 * writable, and `path` itself is not a directory.
 *
 * @param flag the option naming the file, e.g. `"--out"`, for the error message.
 * @returns the absolute path.
 * @throws InvalidArgumentError naming `flag` otherwise.
 */
export function expectWritablePath(flag: string, path: string): string {
  if (typeof path !== "string" || path === "") invalid(flag, "a file path", path);
  const absolute = resolve(path);
  const directory = dirname(absolute);
  const fail = (why: string): never => {
    throw new InvalidArgumentError(
      flag,
      `expected a writable file path for ${flag}, got ${JSON.stringify(path)} (${why})`,
    );
  };
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    fail(`directory ${directory} does not exist`);
  }
  if (!isDirectory) fail(`${directory} is not a directory`);
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    fail(`directory ${directory} is not writable`);
  }
  try {
    if (statSync(absolute).isDirectory()) fail("it is a directory");
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) throw error;
    // Does not exist yet: fine.
  }
  return absolute;
}

/**
 * Writes `data` to `path` atomically: into a temporary file in the same directory, then renamed
 * over `path`. On failure the temporary file is removed and `path` is left as it was.
 *
 * @param data text (written as UTF-8) or bytes; borrowed.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  if (typeof path !== "string" || path === "") invalid("path", "a file path", path);
  if (typeof data !== "string" && !(data instanceof Uint8Array)) invalid("data", "a string or Uint8Array", data);
  const absolute = resolve(path);
  const temporary = join(
    dirname(absolute),
    `.${basename(absolute)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  try {
    writeFileSync(temporary, data, { flag: "wx" });
    renameSync(temporary, absolute);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new Error(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
