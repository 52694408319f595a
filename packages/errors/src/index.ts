export {
  CudaUnavailableError,
  GroupError,
  type GroupFailure,
  InvalidArgumentError,
  LplbError,
  type LplbErrorCode,
  NativeBindingError,
  NativeError,
} from "./errors.js";
export {
  describe,
  expectFinite,
  expectFiniteArray,
  expectInteger,
  expectKnownOptions,
  expectOneOf,
  expectOptions,
  invalid,
} from "./validate.js";
