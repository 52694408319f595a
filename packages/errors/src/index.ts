export {
  CudaUnavailableError,
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
  expectOneOf,
  expectOptions,
  invalid,
} from "./validate.js";
