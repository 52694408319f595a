/**
 * What `lplb launch` tells each process, read back from its environment.
 */
import { InvalidArgumentError } from "@lplb/errors";
import { StoreClient } from "./store.js";

/** Environment variables set for every launched process. */
export const ENV = {
  rank: "LPLB_RANK",
  worldSize: "LPLB_WORLD_SIZE",
  localRank: "LPLB_LOCAL_RANK",
  localWorldSize: "LPLB_LOCAL_WORLD_SIZE",
  device: "LPLB_DEVICE",
  storeHost: "LPLB_STORE_HOST",
  storePort: "LPLB_STORE_PORT",
  storeToken: "LPLB_STORE_TOKEN",
  timeoutMs: "LPLB_TIMEOUT_MS",
} as const;

/** A process's place in the job. */
export interface LaunchedRank {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly localWorldSize: number;
  /** The GPU index this process should use on its node. */
  readonly device: number;
  /** How long waits on other ranks may take, in ms. */
  readonly timeoutMs: number;
  readonly store: { readonly host: string; readonly port: number; readonly token: string };
}

function integer(env: NodeJS.ProcessEnv, name: string, min: number): number {
  const text = env[name];
  const value = text === undefined ? Number.NaN : Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(
      name,
      `expected the environment variable ${name} to hold an integer >= ${min} (set by lplb launch), got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** Reads {@link LaunchedRank} from the environment (`process.env` by default). */
export function launchedRank(env: NodeJS.ProcessEnv = process.env): LaunchedRank {
  const worldSize = integer(env, ENV.worldSize, 1);
  const rank = integer(env, ENV.rank, 0);
  if (rank >= worldSize) {
    throw new InvalidArgumentError(ENV.rank, `expected ${ENV.rank} below ${ENV.worldSize} (${worldSize}), got ${rank}`);
  }
  const host = env[ENV.storeHost];
  const token = env[ENV.storeToken];
  if (!host || !token) {
    throw new InvalidArgumentError(
      ENV.storeHost,
      `expected ${ENV.storeHost} and ${ENV.storeToken} in the environment (set by lplb launch)`,
    );
  }
  return {
    rank,
    worldSize,
    localRank: integer(env, ENV.localRank, 0),
    localWorldSize: integer(env, ENV.localWorldSize, 1),
    device: integer(env, ENV.device, 0),
    timeoutMs: integer(env, ENV.timeoutMs, 1),
    store: { host, port: integer(env, ENV.storePort, 1), token },
  };
}

/** Connects to the job's store with the launched rank's settings. */
export function connectStore(rank: LaunchedRank = launchedRank()): Promise<StoreClient> {
  return StoreClient.connect({ ...rank.store, timeoutMs: rank.timeoutMs });
}
