// Builds the native addon build/Release/lplb_ipm.node with cmake-js from the CMake project in
// ../../native (which adds native/addon when configured by cmake-js).
//
// This drives cmake-js's BuildSystem rather than its CLI: cmake-js decides between Node-API
// headers (bundled, offline) and a full Node.js header download by reading the package.json of
// the CMake project directory, and native/ has none. The addon is Node-API only, so it is told
// so here. Equivalent to `cmake-js build -d ../../native -O build -T lplb_ipm` in a directory
// whose package.json declares `"binary": { "napi_versions": [8] }`.
//
// Environment: LPLB_BUILD_PARALLEL (compile jobs, default: available cores up to 8),
// LPLB_BUILD_DEBUG=1 (Debug build into build/Debug).

import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { BuildSystem } = require("cmake-js");

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nodeAddonApiDir = dirname(require.resolve("node-addon-api/package.json"));
const parallel = Number(process.env.LPLB_BUILD_PARALLEL) || Math.min(availableParallelism(), 8);
const debug = process.env.LPLB_BUILD_DEBUG === "1";

const buildSystem = new BuildSystem({
  directory: resolve(packageRoot, "../../native"),
  out: resolve(packageRoot, "build"),
  target: "lplb_ipm",
  debug,
  parallel,
  cMakeOptions: { NODE_ADDON_API_DIR: nodeAddonApiDir },
});
buildSystem.options.isNodeApi = true;

try {
  await buildSystem.build();
  console.log(`built ${resolve(packageRoot, "build", debug ? "Debug" : "Release", "lplb_ipm.node")}`);
} catch (error) {
  console.error(`build:native failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
