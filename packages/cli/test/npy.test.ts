import { InvalidArgumentError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import { encodeNpy, parseNpy } from "../src/npy.js";

/** Builds .npy bytes by hand: magic, version, little-endian header length, header text, data. */
function npy(version: 1 | 2 | 3, header: string, data: Uint8Array, pad = true): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  let text = header;
  if (pad) {
    const unpadded = prefix + text.length + 1;
    text += `${" ".repeat((64 - (unpadded % 64)) % 64)}\n`;
  }
  const headerBytes = new TextEncoder().encode(text);
  const out = new Uint8Array(prefix + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0], 0);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(data, prefix + headerBytes.length);
  return out;
}

function bytesOf(
  kind: "f8" | "f4" | "i4" | "i8" | "u4" | "u2" | "i1",
  values: number[],
  bigEndian = false,
): Uint8Array {
  const size = Number(kind.slice(1));
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  const le = !bigEndian;
  values.forEach((v, i) => {
    const o = i * size;
    if (kind === "f8") view.setFloat64(o, v, le);
    else if (kind === "f4") view.setFloat32(o, v, le);
    else if (kind === "i4") view.setInt32(o, v, le);
    else if (kind === "i8") view.setBigInt64(o, BigInt(v), le);
    else if (kind === "u4") view.setUint32(o, v, le);
    else if (kind === "u2") view.setUint16(o, v, le);
    else view.setInt8(o, v);
  });
  return out;
}

function errorOf(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    return error as InvalidArgumentError;
  }
  throw new Error("expected an InvalidArgumentError");
}

describe("parseNpy", () => {
  it("reads every supported dtype, v1 and v2 headers, 1 to 3 dimensions", () => {
    const values = [0, 1, 2, 3, 4, 5];
    const cases: [string, Uint8Array][] = [
      ["<f8", bytesOf("f8", values)],
      ["<f4", bytesOf("f4", values)],
      ["<i4", bytesOf("i4", values)],
      ["<i8", bytesOf("i8", values)],
      ["<u4", bytesOf("u4", values)],
      ["<u2", bytesOf("u2", values)],
      ["|i1", bytesOf("i1", values)],
    ];
    for (const [descr, data] of cases) {
      for (const version of [1, 2] as const) {
        const parsed = parseNpy(
          npy(version, `{'descr': '${descr}', 'fortran_order': False, 'shape': (2, 3), }`, data),
          "m.npy",
        );
        expect(parsed.shape).toEqual([2, 3]);
        expect(Array.from(parsed.data)).toEqual(values);
        expect(parsed.dtype).toBe(descr);
      }
    }
    const one = parseNpy(
      npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", bytesOf("f8", values)),
      "a.npy",
    );
    expect(one.shape).toEqual([6]);
    const three = parseNpy(
      npy(1, "{'shape': (1, 2, 3), 'fortran_order': False, 'descr': '<i4'}", bytesOf("i4", values)),
      "b.npy",
    );
    expect(three.shape).toEqual([1, 2, 3]);
    expect(Array.from(three.data)).toEqual(values);
  });

  it("reads C order: the last index varies fastest", () => {
    const parsed = parseNpy(
      npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", bytesOf("i4", [1, 2, 3, 4])),
      "c.npy",
    );
    // [[1, 2], [3, 4]]: element [1][0] is the third value.
    expect(parsed.data[1 * 2 + 0]).toBe(3);
  });

  it("round-trips encodeNpy for float64 and int32", () => {
    const f = Float64Array.from([0.5, 1.25, 1e9, 0, 3, 7]);
    expect(parseNpy(encodeNpy(f, [3, 2]), "f.npy")).toEqual({ dtype: "<f8", shape: [3, 2], data: f });
    const i = Int32Array.from([5, 6, 7]);
    const back = parseNpy(encodeNpy(i, [3]), "i.npy");
    expect(Array.from(back.data)).toEqual([5, 6, 7]);
    // Header block is 64-byte aligned, as NumPy writes it.
    const bytes = encodeNpy(i, [3]);
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).toBe(0);
  });

  it("rejects malformed files, naming the file and the position", () => {
    const good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    const data = bytesOf("f8", [1, 2]);
    const cases: [string, Uint8Array, RegExp][] = [
      [
        "bad magic",
        Uint8Array.from([1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 0]),
        /bad\.npy: bytes 0-5: expected the \.npy magic/,
      ],
      [
        "version",
        (() => {
          const b = npy(1, good, data);
          b[6] = 9;
          return b;
        })(),
        /bytes 6-7: expected format version/,
      ],
      [
        "big-endian",
        npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", bytesOf("f8", [1, 2], true)),
        /header descr: expected little-endian/,
      ],
      [
        "fortran",
        npy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", data),
        /fortran_order: expected False/,
      ],
      [
        "dtype",
        npy(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", data),
        /header descr: expected one of/,
      ],
      ["object dtype", npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", data), /header descr/],
      [
        "truncated",
        npy(1, good, data.subarray(0, 12)),
        /data \(byte \d+ on\): expected 16 bytes .* got 12 \(truncated\)/,
      ],
      ["extra", npy(1, good, bytesOf("f8", [1, 2, 3])), /expected 16 bytes .* got 24/],
      [
        "syntax",
        npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': [2], }", data),
        /header \(bytes 10-\d+\): expected a Python dict literal/,
      ],
      ["missing key", npy(1, "{'descr': '<f8', 'shape': (2,), }", data), /expected exactly the keys/],
      [
        "4 dims",
        npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1, 2), }", data),
        /1 to 3 dimensions/,
      ],
      ["0 dims", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", data), /1 to 3 dimensions/],
      [
        "zero dim",
        npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2), }", new Uint8Array(0)),
        /no zero-length dimension/,
      ],
      [
        "short header",
        (() => {
          const b = npy(1, good, data);
          new DataView(b.buffer).setUint16(8, 60000, true);
          return b;
        })(),
        /the file is truncated/,
      ],
    ];
    for (const [label, bytes, pattern] of cases) {
      const error = errorOf(() => parseNpy(bytes, "bad.npy", "--trace"));
      expect(error.message, label).toMatch(/^bad\.npy: /);
      expect(error.message, label).toMatch(pattern);
      expect(error.argument).toBe("--trace");
    }
  });

  it("rejects int64 values beyond 2^53", () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, 2n ** 60n, true);
    const error = errorOf(() =>
      parseNpy(npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", data), "big.npy"),
    );
    expect(error.message).toMatch(/element 0 \(byte \d+\): expected a value within 2\^53/);
  });
});
