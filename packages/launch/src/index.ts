/**
 * @lplb/launch: the rendezvous of a multi-process EP group. {@link launch} starts one process
 * per rank (what `lplb launch` runs) and a token-checked {@link startStore | store}; each
 * process reads its place with {@link launchedRank} and meets the others through
 * {@link connectStore} (rank 0 publishes, say, an NCCL unique id; the others wait for it).
 *
 * @packageDocumentation
 */
export { connectStore, ENV, type LaunchedRank, launchedRank } from "./env.js";
export { type LaunchOptions, type LaunchResult, launch } from "./launch.js";
export {
  type ClientOptions,
  MAX_MESSAGE_BYTES,
  StoreClient,
  type StoreOptions,
  type StoreServer,
  startStore,
} from "./store.js";
