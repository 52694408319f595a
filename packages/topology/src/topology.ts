/**
 * The redundancy topology of LPLB: the `r2o` matrix, its inverse `o2r`, and what it means for a
 * whole expert-parallel group (redundancy groups, node placement, JSON, Graphviz).
 */
import { expectKnownOptions, expectOneOf, InvalidArgumentError, invalid } from "@lplb/errors";
import { type DotOptions, renderDot } from "./dot.js";
import { expectEpSize, expectGpusPerNode, expectName, MAX_GROUP_SIZE, MAX_SLOTS } from "./validate.js";

const topologyMarker = Symbol.for("@lplb/topology");

/** Validates `r2o` and builds a topology; set in the class's static block so the constructor stays private. */
let construct: (name: string, r2o: unknown, argument: string) => Topology;

/** A `[groupSize][slots]` matrix of ranks, frozen at every level. */
export type RankMatrix = readonly (readonly number[])[];

/** Options of {@link Topology.fromR2o}. */
export interface TopologyOptions {
  /** Name shown in DOT drawings, JSON and messages. Default `"custom"`. */
  name?: string;
}

/**
 * One replication edge of a redundancy group: slot `slot` of rank `original` is copied onto
 * rank `replica`, so `original === r2o[replica][slot]`. Ranks are group ranks, in `[0, groupSize)`.
 */
export interface TopologyEdge {
  /** The redundant slot, in `[0, slots)`. */
  readonly slot: number;
  /** The rank whose to-be-replicated slot is copied. */
  readonly original: number;
  /** The rank that hosts the copy. */
  readonly replica: number;
}

/** A replication edge placed on the global EP ranks by {@link Topology.placement}. */
export interface PlacedEdge {
  /** Index of the redundancy group, in `[0, epSize / groupSize)`. */
  readonly group: number;
  /** The redundant slot, in `[0, slots)`. */
  readonly slot: number;
  /** Global rank of the original. */
  readonly original: number;
  /** Global rank of the copy. */
  readonly replica: number;
  /** Node of the original, `floor(original / gpusPerNode)`. */
  readonly originalNode: number;
  /** Node of the copy, `floor(replica / gpusPerNode)`. */
  readonly replicaNode: number;
  /** True when original and copy share a node. */
  readonly intraNode: boolean;
}

/** How a topology's replication edges fall onto nodes for one EP size; see {@link Topology.placement}. */
export interface Placement {
  /** The EP size placed. */
  readonly epSize: number;
  /** GPUs per node used to assign ranks to nodes. */
  readonly gpusPerNode: number;
  /** Number of nodes touched, `ceil(epSize / gpusPerNode)`. */
  readonly nodes: number;
  /** Every edge of every group, ordered by group, then slot, then replica. */
  readonly edges: PlacedEdge[];
  /** Number of edges whose two ranks share a node. */
  readonly intraNode: number;
  /** Number of edges that cross nodes. */
  readonly interNode: number;
}

/** The JSON form of a topology, as produced by {@link Topology.toJSON}. */
export interface TopologyJson {
  /** The topology's name. */
  name: string;
  /** The `r2o` matrix, `[groupSize][slots]`. */
  r2o: number[][];
}

/**
 * A validated, immutable LPLB redundancy topology.
 *
 * Within a redundancy group of `groupSize` consecutive EP ranks, `r2o[i][d]` is the rank whose
 * d-th to-be-replicated slot is copied into the d-th redundant slot of rank `i`. Every column is a
 * permutation of `0..groupSize-1` without fixed points, so each replicated slot is shared by
 * exactly two ranks. Build one with {@link Topology.fromR2o}, {@link Topology.fromJSON}, a
 * builder (`cube()`, `ring()`, ...) or `randomTopology()`.
 */
export class Topology {
  readonly [topologyMarker] = true;
  /** Name shown in DOT drawings, JSON and messages (`"custom"` unless given). */
  readonly name: string;
  /** Ranks per redundancy group (rows of `r2o`). */
  readonly groupSize: number;
  /** Redundant slots per rank, `D` (columns of `r2o`). */
  readonly slots: number;
  /** `r2o[i][d]`: the rank whose slot `d` is copied onto rank `i`. Frozen. */
  readonly r2o: RankMatrix;
  /** The inverse per column: `o2r[r2o[i][d]][d] === i`, the rank holding the copy of slot `d` of rank `i`. Frozen. */
  readonly o2r: RankMatrix;

  static {
    construct = (name, r2o, argument) => {
      const checked = checkR2o(argument, r2o);
      return new Topology(name, checked.r2o, checked.o2r);
    };
  }

  private constructor(name: string, r2o: RankMatrix, o2r: RankMatrix) {
    this.name = name;
    this.groupSize = r2o.length;
    this.slots = r2o[0].length;
    this.r2o = r2o;
    this.o2r = o2r;
    Object.freeze(this);
  }

  /**
   * Validates an `r2o` matrix and builds a topology from it.
   *
   * @param r2o `[groupSize][slots]` ranks (arrays or typed arrays); copied, never kept.
   * @param options `name` (default `"custom"`).
   * @throws InvalidArgumentError naming the offending row, column and value when the shape is wrong
   *   (fewer than 2 rows, no columns, ragged rows), an entry is not an integer rank of the group, a
   *   rank replicates itself, or a column is not a permutation.
   */
  static fromR2o(r2o: ArrayLike<ArrayLike<number>>, options?: TopologyOptions): Topology {
    const { name } = expectKnownOptions<TopologyOptions>("options", options, ["name"]);
    const checkedName = name === undefined ? "custom" : expectName("options.name", name);
    return construct(checkedName, r2o, "r2o");
  }

  /**
   * Rebuilds a topology from its JSON form (`{ name, r2o }`, as {@link Topology.toJSON} returns and
   * `JSON.parse` reads back). The value is untrusted: everything is validated, nothing is kept.
   *
   * @throws InvalidArgumentError when `value` is not such an object, has other keys, or its
   *   `name` or `r2o` is invalid (messages name `value.name`, `value.r2o[i][d]`, ...).
   */
  static fromJSON(value: unknown): Topology {
    if (typeof value === "string") {
      invalid("value", "a topology object { name, r2o } (parse JSON text with JSON.parse first)", value);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      invalid("value", "a topology object { name, r2o }", value);
    }
    const { name, r2o } = expectKnownOptions<TopologyJson>("value", value, ["name", "r2o"]);
    return construct(expectName("value.name", name), r2o, "value.r2o");
  }

  /**
   * The replication edges of one redundancy group, ordered by slot, then replica: `groupSize * slots`
   * edges with `original = r2o[replica][slot]`. A new array on every call.
   */
  edges(): TopologyEdge[] {
    const edges: TopologyEdge[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      for (let replica = 0; replica < this.groupSize; replica++) {
        edges.push({ slot, original: this.r2o[replica][slot], replica });
      }
    }
    return edges;
  }

  /**
   * The global EP ranks of each redundancy group: `epSize / groupSize` groups of consecutive ranks,
   * group `g` holding `g * groupSize ... (g + 1) * groupSize - 1`. A new array on every call.
   *
   * @throws InvalidArgumentError unless `epSize` is a multiple of `groupSize` in `[groupSize, MAX_EP_SIZE]`.
   */
  redundancyGroups(epSize: number): number[][] {
    expectEpSize("epSize", epSize, this.groupSize);
    const groups: number[][] = [];
    for (let base = 0; base < epSize; base += this.groupSize) {
      const ranks: number[] = [];
      for (let i = 0; i < this.groupSize; i++) ranks.push(base + i);
      groups.push(ranks);
    }
    return groups;
  }

  /**
   * Places every replication edge of every redundancy group on the global ranks and says whether
   * it stays inside a node (rank `r` lives on node `floor(r / gpusPerNode)`; a last, partly filled
   * node is allowed). Copies that cross nodes travel over the slower inter-node network.
   *
   * @param epSize a multiple of `groupSize` in `[groupSize, MAX_EP_SIZE]`.
   * @param gpusPerNode an integer in `[1, MAX_EP_SIZE]`.
   */
  placement(epSize: number, gpusPerNode: number): Placement {
    expectEpSize("epSize", epSize, this.groupSize);
    expectGpusPerNode("gpusPerNode", gpusPerNode);
    const edges: PlacedEdge[] = [];
    let intraNode = 0;
    for (let group = 0, base = 0; base < epSize; group++, base += this.groupSize) {
      for (let slot = 0; slot < this.slots; slot++) {
        for (let groupRank = 0; groupRank < this.groupSize; groupRank++) {
          const original = base + this.r2o[groupRank][slot];
          const replica = base + groupRank;
          const originalNode = Math.floor(original / gpusPerNode);
          const replicaNode = Math.floor(replica / gpusPerNode);
          const sameNode = originalNode === replicaNode;
          if (sameNode) intraNode++;
          edges.push({ group, slot, original, replica, originalNode, replicaNode, intraNode: sameNode });
        }
      }
    }
    return {
      epSize,
      gpusPerNode,
      nodes: Math.ceil(epSize / gpusPerNode),
      edges,
      intraNode,
      interNode: edges.length - intraNode,
    };
  }

  /**
   * `r2o` (default) or `o2r` as a new row-major `Int32Array` of `groupSize * slots` ranks,
   * entry `[i * slots + d]`, for hot loops.
   */
  toInt32Array(which: "r2o" | "o2r" = "r2o"): Int32Array {
    const matrix = expectOneOf("which", which, ["r2o", "o2r"]) === "r2o" ? this.r2o : this.o2r;
    const flat = new Int32Array(this.groupSize * this.slots);
    for (let i = 0, k = 0; i < this.groupSize; i++) {
      const row = matrix[i];
      for (let d = 0; d < this.slots; d++, k++) flat[k] = row[d];
    }
    return flat;
  }

  /** The JSON form `{ name, r2o }` with fresh, mutable arrays; {@link Topology.fromJSON} reads it back exactly. */
  toJSON(): TopologyJson {
    return { name: this.name, r2o: this.r2o.map((row) => [...row]) };
  }

  /**
   * Graphviz DOT text: one node per rank and one edge `original -> replica` per replication,
   * labelled `slot d` and coloured by slot. By default it draws one redundancy group with group
   * ranks; `options.epSize` draws every group with global ranks, and `options.gpusPerNode` boxes
   * ranks by node and dashes the edges that cross nodes.
   *
   * @param options `epSize` (default `groupSize`), `gpusPerNode` (default: no node boxes).
   */
  toDot(options?: DotOptions): string {
    return renderDot(this, options);
  }
}

/**
 * True for a {@link Topology}, also one built by another copy of this package (recognised
 * through a `Symbol.for` marker, like the `@lplb` errors).
 */
export function isTopology(value: unknown): value is Topology {
  return typeof value === "object" && value !== null && topologyMarker in value;
}

/**
 * Accepts either a {@link Topology} or an `r2o` matrix, as downstream entry points do.
 * A Topology of this copy of the package is returned as is; one from another copy is rebuilt
 * (validated) from its `r2o` and name; a matrix is validated and copied (name `"custom"`).
 *
 * @param argumentName name used in error messages, default `"r2o"` (e.g. `"options.topology"`).
 * @throws InvalidArgumentError as {@link Topology.fromR2o}, naming `argumentName[i][d]`.
 */
export function toTopology(input: Topology | ArrayLike<ArrayLike<number>>, argumentName = "r2o"): Topology {
  expectName("argumentName", argumentName);
  if (input instanceof Topology) return input;
  if (isTopology(input)) {
    return construct(expectName(`${argumentName}.name`, input.name), input.r2o, `${argumentName}.r2o`);
  }
  return construct("custom", input, argumentName);
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  if (value === null || typeof value !== "object") return false;
  const length = (value as { length?: unknown }).length;
  return typeof length === "number" && Number.isSafeInteger(length) && length >= 0;
}

/** Validates an `r2o` matrix; returns frozen copies of it and of its inverse. */
function checkR2o(name: string, value: unknown): { r2o: RankMatrix; o2r: RankMatrix } {
  if (!isArrayLike(value)) invalid(name, "a [groupSize][slots] matrix of ranks (an array of integer rows)", value);
  const groupSize = value.length;
  if (groupSize < 2) invalid(name, "at least 2 rows (one per rank of a redundancy group)", value);
  if (groupSize > MAX_GROUP_SIZE) invalid(name, `at most ${MAX_GROUP_SIZE} rows`, value);

  // Arrays are grown with push so they stay packed (without holes) before they are frozen.
  const rows: ArrayLike<unknown>[] = [];
  let slots = 0;
  for (let i = 0; i < groupSize; i++) {
    const row = value[i];
    if (!isArrayLike(row)) invalid(`${name}[${i}]`, "an array of ranks (one per slot)", row);
    if (i === 0) {
      slots = row.length;
      if (slots < 1) invalid(`${name}[0]`, "at least 1 slot (column)", row);
      if (slots > MAX_SLOTS) invalid(`${name}[0]`, `at most ${MAX_SLOTS} slots (columns)`, row);
    } else if (row.length !== slots) {
      invalid(`${name}[${i}]`, `${slots} slots like ${name}[0]`, row);
    }
    rows.push(row);
  }

  const r2o: number[][] = [];
  for (let i = 0; i < groupSize; i++) {
    const row = rows[i];
    const copy: number[] = [];
    for (let d = 0; d < slots; d++) {
      const rank = row[d];
      if (typeof rank !== "number" || !Number.isInteger(rank) || rank < 0 || rank >= groupSize) {
        invalid(`${name}[${i}][${d}]`, `an integer in [0, ${groupSize - 1}]`, rank);
      }
      if (rank === i) invalid(`${name}[${i}][${d}]`, `a rank other than ${i} (a rank never replicates itself)`, rank);
      copy.push(rank | 0); // drops a -0
    }
    r2o.push(copy);
  }

  // replicaOf[original * slots + d]: the row that copies slot d of `original`, -1 while none does.
  const replicaOf = new Int32Array(groupSize * slots).fill(-1);
  for (let d = 0; d < slots; d++) {
    for (let i = 0; i < groupSize; i++) {
      const original = r2o[i][d];
      const earlier = replicaOf[original * slots + d];
      if (earlier !== -1) {
        const copied = new Uint8Array(groupSize);
        for (const row of r2o) copied[row[d]] = 1;
        const unreplicated = copied.indexOf(0);
        throw new InvalidArgumentError(
          `${name}[${i}][${d}]`,
          `expected column ${d} of ${name} to be a permutation of 0..${groupSize - 1}, got ${original} in both ` +
            `${name}[${earlier}][${d}] and ${name}[${i}][${d}] (so no rank copies slot ${d} of rank ${unreplicated})`,
        );
      }
      replicaOf[original * slots + d] = i;
    }
  }

  const o2r: number[][] = [];
  for (let original = 0, k = 0; original < groupSize; original++) {
    const row: number[] = [];
    for (let d = 0; d < slots; d++, k++) row.push(replicaOf[k]);
    o2r.push(Object.freeze(row) as number[]);
  }
  for (const row of r2o) Object.freeze(row);
  return { r2o: Object.freeze(r2o), o2r: Object.freeze(o2r) };
}
