/**
 * Solver options: defaults, limits and validation.
 */
import { describe, expectInteger, expectOneOf, InvalidArgumentError, invalid } from "@lplb/errors";

/** Arithmetic of the interior-point iterations. */
export type IpmPrecision = "float64" | "float32";

/** Where the solver runs. */
export type IpmBackend = "cpu" | "cuda";

/** Options of every solve. All fields are optional; see each field for its default. */
export interface IpmOptions {
  /**
   * Arithmetic of the iterations: `"float64"` (default) or `"float32"`. Inputs and outputs are
   * `Float64Array`s either way; residuals are measured in float64 against the input.
   */
  readonly precision?: IpmPrecision;
  /**
   * Relative tolerance on the primal and dual residuals and the duality gap, a number in
   * `(0, 1)`. Default `1e-9` for float64, `1e-6` for float32.
   */
  readonly tolerance?: number;
  /** Iteration limit per LP, an integer in `[1, 10000]`; default `100`. */
  readonly maxIterations?: number;
  /**
   * `"cpu"` (default) or `"cuda"`. `"cuda"` throws `CudaUnavailableError`, with the reason,
   * when the loaded addon has no usable CUDA backend.
   */
  readonly backend?: IpmBackend;
}

/** {@link IpmOptions} with every default filled in. */
export interface ResolvedIpmOptions {
  readonly precision: IpmPrecision;
  readonly tolerance: number;
  readonly maxIterations: number;
  readonly backend: IpmBackend;
}

/** Default tolerance per precision. */
export const DEFAULT_TOLERANCE: Readonly<Record<IpmPrecision, number>> = { float64: 1e-9, float32: 1e-6 };

/** Default iteration limit. */
export const DEFAULT_MAX_ITERATIONS = 100;

/** Largest accepted `maxIterations`. */
export const MAX_ITERATIONS_LIMIT = 10_000;

/**
 * Largest accepted `nVars`, `mEq` or `mUb`. The solver is dense: a workspace holds a few
 * square matrices of the problem's size.
 */
export const MAX_DIMENSION = 4096;

const PRECISIONS: readonly IpmPrecision[] = ["float64", "float32"];
const BACKENDS: readonly IpmBackend[] = ["cpu", "cuda"];

/** Option names accepted by every solve. */
export const IPM_OPTION_NAMES: readonly string[] = ["precision", "tolerance", "maxIterations", "backend"];

/**
 * Checks that `value` is undefined or a plain options object whose keys are all in `allowed`.
 * @returns the object, or an empty one for `undefined`.
 */
export function expectOptionsObject(name: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    invalid(name, "an options object or undefined", value);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidArgumentError(
        `${name}.${key}`,
        `expected one of ${allowed.join(", ")} for the option name ${name}.${key}, got ${describe(key)}`,
      );
    }
  }
  return value as Record<string, unknown>;
}

/**
 * Validates `options` and fills in defaults. Unknown option names are rejected so that a typo
 * does not silently fall back to a default.
 *
 * @param options the caller's options (borrowed, not kept).
 * @param name how the options are named in error messages; default `"options"`.
 * @param extraNames option names the caller handles itself (accepted, ignored here).
 * @throws InvalidArgumentError for an unknown name or a value out of range.
 */
export function resolveOptions(
  options: unknown,
  name = "options",
  extraNames: readonly string[] = [],
): ResolvedIpmOptions {
  const bag = expectOptionsObject(name, options, [...IPM_OPTION_NAMES, ...extraNames]);
  const precision =
    bag.precision === undefined ? "float64" : expectOneOf(`${name}.precision`, bag.precision, PRECISIONS);
  const backend = bag.backend === undefined ? "cpu" : expectOneOf(`${name}.backend`, bag.backend, BACKENDS);
  const maxIterations =
    bag.maxIterations === undefined
      ? DEFAULT_MAX_ITERATIONS
      : expectInteger(`${name}.maxIterations`, bag.maxIterations, 1, MAX_ITERATIONS_LIMIT);
  let tolerance = DEFAULT_TOLERANCE[precision];
  if (bag.tolerance !== undefined) {
    const value = bag.tolerance;
    if (typeof value !== "number" || !(value > 0 && value < 1)) {
      invalid(`${name}.tolerance`, "a finite number in (0, 1)", value);
    }
    tolerance = value;
  }
  return { precision, tolerance, maxIterations, backend };
}
