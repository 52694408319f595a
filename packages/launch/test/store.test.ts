import { describe, expect, it } from "vitest";
import { StoreClient, startStore } from "../src/index.js";

describe("store", () => {
  it("sets, gets, and makes a get wait for a later set", async () => {
    const server = await startStore();
    try {
      expect(server.host).toBe("127.0.0.1");
      expect(server.port).toBeGreaterThan(0);
      const a = await StoreClient.connect(server);
      const b = await StoreClient.connect(server);
      await a.set("x", "1");
      expect(await b.get("x")).toBe("1");
      const later = b.get("y");
      await a.set("y", "two");
      expect(await later).toBe("two");
      a.close();
      b.close();
    } finally {
      await server.close();
    }
  });

  it("rejects a connection without the job's token", async () => {
    const server = await startStore({ token: "the-right-token" });
    try {
      await expect(
        StoreClient.connect({ host: server.host, port: server.port, token: "a-wrong-token" }),
      ).rejects.toThrow(/wrong or missing job token/);
    } finally {
      await server.close();
    }
  });

  it("fails a wait that nobody answers with a clear message", async () => {
    const server = await startStore();
    try {
      const client = await StoreClient.connect({ ...server, timeoutMs: 200 });
      await expect(client.get("never")).rejects.toThrow(/timed out after 200 ms waiting for "never"/);
      client.close();
    } finally {
      await server.close();
    }
  });

  it("fails pending requests when the store goes away", async () => {
    const server = await startStore();
    const client = await StoreClient.connect({ ...server, timeoutMs: 5000 });
    const pending = client.get("k");
    await server.close();
    await expect(pending).rejects.toThrow(/closed/);
  });

  it("checks its options", async () => {
    await expect(startStore({ port: 70000 })).rejects.toThrow(/options\.port/);
    await expect(startStore({ token: "short" })).rejects.toThrow(/options\.token/);
    await expect(StoreClient.connect({ host: "127.0.0.1", port: 1, token: "whatever-token" })).rejects.toThrow(
      /store 127\.0\.0\.1:1/,
    );
  });
});
