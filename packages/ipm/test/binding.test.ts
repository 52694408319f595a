import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NativeBindingError } from "@lplb/errors";
import { describe, expect, it } from "vitest";
import {
  BINDING_ENV_VARIABLE,
  BINDING_VERSION,
  bindingCandidates,
  loadBinding,
  nativeBinding,
} from "../src/binding.js";

function loadError(candidates: string[]): NativeBindingError {
  try {
    loadBinding(candidates);
  } catch (error) {
    expect(NativeBindingError.isInstance(error)).toBe(true);
    return error as NativeBindingError;
  }
  throw new Error("expected loadBinding to fail");
}

describe("binding candidates", () => {
  it("tries LPLB_IPM_BINDING first, then build/Release and build/Debug", () => {
    const paths = bindingCandidates({ [BINDING_ENV_VARIABLE]: "/somewhere/lplb_ipm.node" });
    expect(paths).toHaveLength(3);
    expect(paths[0]).toBe("/somewhere/lplb_ipm.node");
    expect(paths[1]).toMatch(/packages\/ipm\/build\/Release\/lplb_ipm\.node$/);
    expect(paths[2]).toMatch(/packages\/ipm\/build\/Debug\/lplb_ipm\.node$/);
    expect(bindingCandidates({})).toEqual(paths.slice(1));
    expect(bindingCandidates({ [BINDING_ENV_VARIABLE]: "" })).toEqual(paths.slice(1));
  });
});

describe("loadBinding", () => {
  it("explains every failed path, the runtime and how to build, without MODULE_NOT_FOUND noise", () => {
    const dir = mkdtempSync(join(tmpdir(), "lplb-binding-"));
    const corrupt = join(dir, "corrupt.node");
    writeFileSync(corrupt, "this is not a shared object");
    const impostor = join(dir, "impostor.cjs");
    writeFileSync(impostor, "module.exports = { hello: 1 };");
    const stale = join(dir, "stale.cjs");
    writeFileSync(
      stale,
      "module.exports = { bindingVersion: 0, capabilities() {}, solveBatchAsync() {}, Workspace: class {}, MinMaxWorkspace: class {}, countExperts() {}, mapExperts() {}, DeviceStep: class {} };",
    );
    const missing = join(dir, "missing.node");

    const error = loadError([missing, corrupt, impostor, stale]);
    const message = error.message;
    expect(error.code).toBe("ERR_LPLB_NATIVE_BINDING");
    expect(message).toContain(`Node.js ${process.version} on ${process.platform}-${process.arch}`);
    expect(message).toContain(`Node-API ${process.versions.napi}`);
    expect(message).toContain(`${missing}: not found`);
    expect(message).toMatch(new RegExp(`${corrupt.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: failed to load: .+`));
    expect(message).toContain(`${impostor}: loaded, but it is not the lplb_ipm addon`);
    expect(message).toContain(`${stale}: binding version 0, expected ${BINDING_VERSION} (a stale build)`);
    expect(message).toContain("pnpm --filter @lplb/ipm build:native");
    expect(message).toContain(BINDING_ENV_VARIABLE);
    expect(message).not.toMatch(/MODULE_NOT_FOUND|Require stack/);
  });

  it("loads the built addon", () => {
    const { binding, path } = nativeBinding();
    expect(path).toMatch(/lplb_ipm\.node$/);
    expect(binding.bindingVersion).toBe(BINDING_VERSION);
    expect(loadBinding([join(tmpdir(), "does-not-exist.node"), path]).path).toBe(path);
  });
});
