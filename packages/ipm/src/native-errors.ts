/**
 * Conversion of errors thrown by the addon into @lplb error classes.
 */
import { CudaUnavailableError, GroupError, InvalidArgumentError, LplbError, NativeError } from "@lplb/errors";

/** lplb_error codes of the C API. */
const LPLB_ERR_INVALID_ARGUMENT = 1;
const LPLB_ERR_BACKEND_UNAVAILABLE = 3;
const LPLB_ERR_INTERNAL = 4;
const LPLB_ERR_TIMEOUT = 5;
const LPLB_ERR_COMMUNICATION = 6;

interface AddonErrorFields {
  code?: unknown;
  argument?: unknown;
  nativeCode?: unknown;
}

/**
 * The frames of the current call stack above `above` (exclusive), for errors that surface
 * later (a rejected promise) but should point at the caller.
 */
export function captureCallerStack(above: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, above);
  const stack = holder.stack ?? "";
  const newline = stack.indexOf("\n");
  return newline === -1 ? "" : stack.slice(newline + 1);
}

/**
 * The @lplb error for an error thrown by the addon: argument errors become
 * {@link InvalidArgumentError}, an unavailable backend {@link CudaUnavailableError}, a failed
 * EP-group wait or collective {@link GroupError}, anything
 * else {@link NativeError} with the native code. The addon's error is kept as `cause`. With
 * `callerStack`, the result's stack is the caller's instead of the current one.
 */
export function fromNativeError(error: unknown, callerStack?: string): LplbError {
  if (LplbError.isInstance(error)) return error;
  const fields = (typeof error === "object" && error !== null ? error : {}) as AddonErrorFields;
  const message = error instanceof Error ? error.message : String(error);
  let translated: LplbError;
  if (fields.code === "ERR_LPLB_INVALID_ARGUMENT") {
    const argument = typeof fields.argument === "string" ? fields.argument : "arguments";
    translated = new InvalidArgumentError(argument, message, { cause: error });
  } else if (fields.code === "ERR_LPLB_NATIVE" && typeof fields.nativeCode === "number") {
    if (fields.nativeCode === LPLB_ERR_INVALID_ARGUMENT) {
      translated = new InvalidArgumentError("lps", message, { cause: error });
    } else if (fields.nativeCode === LPLB_ERR_TIMEOUT) {
      translated = new GroupError("timeout", message, { cause: error });
    } else if (fields.nativeCode === LPLB_ERR_COMMUNICATION) {
      translated = new GroupError("communication", message, { cause: error });
    } else if (fields.nativeCode === LPLB_ERR_BACKEND_UNAVAILABLE) {
      translated = new CudaUnavailableError(`${message}; use backend "cpu"`, { cause: error });
    } else {
      translated = new NativeError(fields.nativeCode, message, { cause: error });
    }
  } else {
    translated = new NativeError(LPLB_ERR_INTERNAL, `native solver failed: ${message}`, { cause: error });
  }
  if (callerStack !== undefined) translated.stack = `${translated.name}: ${translated.message}\n${callerStack}`;
  return translated;
}

/** Runs a call into the addon, turning what it throws into an @lplb error ({@link fromNativeError}). */
export function callNative<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw fromNativeError(error);
  }
}
