/**
 * A small, strict reader (and writer) of NumPy `.npy` files holding expert loads.
 *
 * Accepted: format versions 1.0, 2.0 and 3.0; little-endian (or single-byte) integer and float
 * dtypes `i1 i2 i4 i8 u1 u2 u4 u8 f4 f8`; C order (`fortran_order: False`); 1 to 3 dimensions.
 * Everything else is rejected with a message naming the file and the byte offset or header field.
 */
import { describe, InvalidArgumentError } from "@lplb/errors";

/** An array read from a `.npy` file: its shape and its values as float64, in C order. */
export interface NpyArray {
  /** The header's `descr`, e.g. `"<f8"`. */
  readonly dtype: string;
  /** The shape, outermost dimension first. */
  readonly shape: number[];
  /** The values, converted to float64 (a new array owned by the caller). */
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const ITEM_SIZES: Record<string, number> = { i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, f4: 4, f8: 8 };

/**
 * Parses `.npy` bytes.
 *
 * @param bytes the whole file (borrowed, not modified).
 * @param name file name used in error messages.
 * @param argument option name carried by the error (default `"--trace"`).
 * @throws InvalidArgumentError `"<name>: <where>: expected <what>"` for anything malformed or
 *   unsupported: magic, version, header syntax, dtype, byte order, Fortran order, shape, or a data
 *   size that does not match the shape.
 */
export function parseNpy(bytes: Uint8Array, name: string, argument = "--trace"): NpyArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError("bytes", `expected a Uint8Array (or Buffer) for bytes, got ${describe(bytes)}`);
  }
  const fail = (where: string, expected: string): never => {
    throw new InvalidArgumentError(argument, `${name}: ${where}: expected ${expected}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail("bytes 0-5", 'the .npy magic string "\\x93NUMPY"');
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (!(major >= 1 && major <= 3) || minor !== 0)
    fail("bytes 6-7", `format version 1.0, 2.0 or 3.0, got ${major}.${minor}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail("byte 8", "a header length");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    fail(
      `byte ${8}`,
      `a header of ${headerLength} bytes within the file (${bytes.length} bytes), the file is truncated`,
    );
  }
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, dataStart));
  const fields = parseHeader(header, (expected) => fail(`header (bytes ${headerStart}-${dataStart - 1})`, expected));

  const descr = fields.descr;
  const dtypeMatch = /^([<>|=])([iuf])(\d+)$/.exec(descr);
  if (dtypeMatch === null || ITEM_SIZES[`${dtypeMatch[2]}${dtypeMatch[3]}`] === undefined) {
    fail("header descr", `one of <i1 <i2 <i4 <i8 <u1 <u2 <u4 <u8 <f4 <f8, got ${JSON.stringify(descr)}`);
  }
  const [, order, kind, sizeText] = dtypeMatch!;
  const itemSize = Number(sizeText);
  if (order === ">" && itemSize > 1)
    fail("header descr", `little-endian data ("<"), got big-endian ${JSON.stringify(descr)}`);
  if (order === "=" && itemSize > 1) fail("header descr", `an explicit byte order ("<"), got ${JSON.stringify(descr)}`);
  if (fields.fortranOrder) fail("header fortran_order", "False (C order); save with np.ascontiguousarray first");
  const shape = fields.shape;
  if (shape.length < 1 || shape.length > 3) {
    fail(
      "header shape",
      `1 to 3 dimensions ([experts], [layers][experts] or [batches][layers][experts]), got (${shape.join(", ")})`,
    );
  }
  let count = 1;
  for (const dim of shape) count *= dim;
  if (count === 0) fail("header shape", `no zero-length dimension, got (${shape.join(", ")})`);
  const expectedBytes = count * itemSize;
  const actualBytes = bytes.length - dataStart;
  if (actualBytes !== expectedBytes) {
    fail(
      `data (byte ${dataStart} on)`,
      `${expectedBytes} bytes for shape (${shape.join(", ")}) of ${descr}, got ${actualBytes}${actualBytes < expectedBytes ? " (truncated)" : ""}`,
    );
  }
  const data = new Float64Array(count);
  for (let i = 0, offset = dataStart; i < count; i++, offset += itemSize) {
    data[i] = readValue(view, offset, kind, itemSize, (expected) => fail(`element ${i} (byte ${offset})`, expected));
  }
  return { dtype: descr, shape, data };
}

function readValue(
  view: DataView,
  offset: number,
  kind: string,
  size: number,
  fail: (expected: string) => never,
): number {
  if (kind === "f") return size === 4 ? view.getFloat32(offset, true) : view.getFloat64(offset, true);
  if (kind === "i") {
    if (size === 1) return view.getInt8(offset);
    if (size === 2) return view.getInt16(offset, true);
    if (size === 4) return view.getInt32(offset, true);
    const big = view.getBigInt64(offset, true);
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) fail("a value within 2^53");
    return Number(big);
  }
  if (size === 1) return view.getUint8(offset);
  if (size === 2) return view.getUint16(offset, true);
  if (size === 4) return view.getUint32(offset, true);
  const big = view.getBigUint64(offset, true);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) fail("a value within 2^53");
  return Number(big);
}

interface HeaderFields {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/**
 * Parses the header, a Python dict literal such as
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and a newline.
 * Exactly the three keys are accepted.
 */
function parseHeader(text: string, fail: (expected: string) => never): HeaderFields {
  const body = text.replace(/[\s\n]+$/, "");
  const match = /^\{\s*((?:'[a-z_]+'\s*:\s*(?:'[^']*'|True|False|\(\s*(?:\d+\s*,\s*)*(?:\d+\s*)?\))\s*,?\s*)*)\}$/.exec(
    body,
  );
  if (match === null) fail("a Python dict literal with 'descr', 'fortran_order' and 'shape'");
  const entries = [...match![1].matchAll(/'([a-z_]+)'\s*:\s*('[^']*'|True|False|\([^)]*\))/g)];
  const seen = new Map<string, string>();
  for (const [, key, value] of entries) {
    if (seen.has(key)) fail(`each key once, got '${key}' twice`);
    seen.set(key, value);
  }
  const keys = [...seen.keys()].sort().join(",");
  if (keys !== "descr,fortran_order,shape")
    fail(`exactly the keys 'descr', 'fortran_order', 'shape', got ${[...seen.keys()].join(", ") || "none"}`);
  const descr = seen.get("descr")!;
  if (!descr.startsWith("'")) fail(`a string for 'descr', got ${descr}`);
  const fortran = seen.get("fortran_order")!;
  if (fortran !== "True" && fortran !== "False") fail(`True or False for 'fortran_order', got ${fortran}`);
  const shapeText = seen.get("shape")!;
  if (!shapeText.startsWith("(")) fail(`a tuple for 'shape', got ${shapeText}`);
  const shape = shapeText
    .slice(1, -1)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  if (shape.some((dim) => !Number.isSafeInteger(dim))) fail(`integer dimensions in 'shape', got ${shapeText}`);
  return { descr: descr.slice(1, -1), fortranOrder: fortran === "True", shape };
}

/**
 * Encodes a float64 or int32 array as `.npy` version 1.0 bytes (`<f8` or `<i4`, C order), the
 * inverse of {@link parseNpy}; handy to hand loads to NumPy.
 *
 * @param data values in C order (borrowed).
 * @param shape dimensions whose product is `data.length`.
 * @returns new bytes owned by the caller.
 */
export function encodeNpy(data: Float64Array | Int32Array, shape: readonly number[]): Uint8Array {
  if (!(data instanceof Float64Array) && !(data instanceof Int32Array)) {
    throw new InvalidArgumentError("data", `expected a Float64Array or Int32Array for data, got ${describe(data)}`);
  }
  if (!Array.isArray(shape) || shape.some((dim) => !Number.isSafeInteger(dim) || dim < 1)) {
    throw new InvalidArgumentError(
      "shape",
      `expected an array of integer dimensions >= 1 for shape, got ${describe(shape)}`,
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new InvalidArgumentError(
      "shape",
      `expected a shape whose product is data.length (${data.length}) for shape, got (${shape.join(", ")})`,
    );
  }
  const descr = data instanceof Float64Array ? "<f8" : "<i4";
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Total header block (magic + version + length + header) is a multiple of 64, ending with "\n".
  const unpadded = 10 + header.length + 1;
  header += `${" ".repeat((64 - (unpadded % 64)) % 64)}\n`;
  const bytes = new Uint8Array(10 + header.length + data.byteLength);
  bytes.set(MAGIC, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  const view = new DataView(bytes.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float64Array) view.setFloat64(i * 8, data[i], true);
    else view.setInt32(i * 4, data[i], true);
  }
  return bytes;
}
