/**
 * Error classes of the `@lplb` packages.
 *
 * Every error thrown by @lplb derives from {@link LplbError} and carries a stable `code`.
 * Use the static `isInstance` checks rather than `instanceof` when two copies of a package
 * may be loaded (a dependency installed twice): they recognise each other through a
 * `Symbol.for` marker.
 *
 * Infeasible or unbounded LPs are never errors: solvers report them as a status.
 */

const lplbErrorMarker = Symbol.for("@lplb/error");

/** Stable machine-readable error codes. */
export type LplbErrorCode =
  | "ERR_LPLB_INVALID_ARGUMENT"
  | "ERR_LPLB_NATIVE_BINDING"
  | "ERR_LPLB_CUDA_UNAVAILABLE"
  | "ERR_LPLB_NATIVE"
  | "ERR_LPLB_GROUP"
  | "ERR_LPLB_INTERNAL";

/** Base class of every error thrown by the `@lplb` packages. */
export class LplbError extends Error {
  readonly [lplbErrorMarker] = true;
  /** Stable machine-readable code, e.g. `ERR_LPLB_INVALID_ARGUMENT`. */
  readonly code: LplbErrorCode;

  constructor(code: LplbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** True for any @lplb error, also one from another copy of this package. */
  static isInstance(value: unknown): value is LplbError {
    return typeof value === "object" && value !== null && lplbErrorMarker in value;
  }
}

function hasCode(value: unknown, code: LplbErrorCode): boolean {
  return LplbError.isInstance(value) && value.code === code;
}

/** An argument has the wrong type, shape or value. Nothing was changed when this is thrown. */
export class InvalidArgumentError extends LplbError {
  /** Name of the offending argument (dotted path for nested options, e.g. `options.numGpus`). */
  readonly argument: string;

  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super("ERR_LPLB_INVALID_ARGUMENT", message, options);
    this.argument = argument;
  }

  static override isInstance(value: unknown): value is InvalidArgumentError {
    return hasCode(value, "ERR_LPLB_INVALID_ARGUMENT");
  }
}

/** The native addon could not be loaded; the message lists every path tried and what to do. */
export class NativeBindingError extends LplbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_LPLB_NATIVE_BINDING", message, options);
  }

  static override isInstance(value: unknown): value is NativeBindingError {
    return hasCode(value, "ERR_LPLB_NATIVE_BINDING");
  }
}

/** A CUDA backend was requested but no usable CUDA build, driver or device is present. */
export class CudaUnavailableError extends LplbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_LPLB_CUDA_UNAVAILABLE", message, options);
  }

  static override isInstance(value: unknown): value is CudaUnavailableError {
    return hasCode(value, "ERR_LPLB_CUDA_UNAVAILABLE");
  }
}

/** The native core returned an error code (out of memory, internal failure). */
export class NativeError extends LplbError {
  /** The native error code as returned by the C API. */
  readonly nativeCode: number;

  constructor(nativeCode: number, message: string, options?: { cause?: unknown }) {
    super("ERR_LPLB_NATIVE", message, options);
    this.nativeCode = nativeCode;
  }

  static override isInstance(value: unknown): value is NativeError {
    return hasCode(value, "ERR_LPLB_NATIVE");
  }
}

/** Why an EP group failed: a wait ran out of time, or a collective reported an error. */
export type GroupFailure = "timeout" | "communication";

/**
 * An EP group's collective failed: a peer is missing, died or is stuck past the timeout, or the
 * transport (NCCL) reported an error. The group is aborted on this rank and cannot be used again;
 * the other ranks fail the same way within their timeout.
 */
export class GroupError extends LplbError {
  readonly failure: GroupFailure;

  constructor(failure: GroupFailure, message: string, options?: { cause?: unknown }) {
    super("ERR_LPLB_GROUP", message, options);
    this.failure = failure;
  }

  static override isInstance(value: unknown): value is GroupError {
    return hasCode(value, "ERR_LPLB_GROUP");
  }
}
