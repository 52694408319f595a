/**
 * What the loaded native solver can do.
 */
import { nativeBinding } from "./binding.js";

/** CUDA availability of the loaded addon. */
export interface IpmCudaCapabilities {
  /** True when the addon was compiled with the CUDA backend. */
  readonly built: boolean;
  /** True when, in addition, a driver and at least one device are present. */
  readonly usable: boolean;
  /** Number of CUDA devices found (0 when not usable). */
  readonly deviceCount: number;
  /** Why CUDA is not usable (`""` when it is), e.g. "built without CUDA". */
  readonly reason: string;
}

/** NCCL, which the native core loads at run time (`libnccl.so.2`). */
export interface IpmNcclCapabilities {
  /** True when libnccl.so.2 loads and reports its version. */
  readonly usable: boolean;
  /** `major.minor.patch`, or `""` when not usable. */
  readonly version: string;
  /** Why NCCL is not usable (`""` when it is). */
  readonly reason: string;
}

/** Capabilities of the loaded addon, as reported by `lplb_get_capabilities`. */
export interface IpmCapabilities {
  /** Version of the native core, `major.minor.patch`. */
  readonly version: string;
  /** The CPU backend is always available. */
  readonly cpu: true;
  readonly cuda: IpmCudaCapabilities;
  readonly nccl: IpmNcclCapabilities;
  /** File the addon was loaded from. */
  readonly bindingPath: string;
}

/**
 * Reports the version of the native core and which backends it can use. Loads the addon on
 * first use.
 *
 * @returns a fresh object owned by the caller.
 * @throws NativeBindingError when the addon cannot be loaded; the message lists every path
 *   tried and how to build it.
 */
export function capabilities(): IpmCapabilities {
  const { binding, path } = nativeBinding();
  const native = binding.capabilities();
  return {
    version: `${native.versionMajor}.${native.versionMinor}.${native.versionPatch}`,
    cpu: true,
    cuda: {
      built: native.cudaBuilt,
      usable: native.cudaUsable,
      deviceCount: native.cudaDeviceCount,
      reason: native.cudaReason,
    },
    nccl: {
      usable: native.ncclUsable,
      // NCCL's code is major * 10000 + minor * 100 + patch from 2.9 on.
      version: native.ncclUsable
        ? `${Math.floor(native.ncclVersion / 10000)}.${Math.floor(native.ncclVersion / 100) % 100}.${native.ncclVersion % 100}`
        : "",
      reason: native.ncclReason,
    },
    bindingPath: path,
  };
}
