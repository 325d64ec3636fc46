import { describe, expect, it } from "vitest";
import { socketPath } from "../../runner/adapters/engines/launch.ts";

describe("the engine's Unix socket path", () => {
  it("is the scratch folder's engine.sock while it fits the kernel's limit", () => {
    expect(socketPath("/w/.velodrome/runs/r1/launch-0-candidate")).toBe(
      "/w/.velodrome/runs/r1/launch-0-candidate/engine.sock",
    );
  });

  it("is refused with its length and a fix when bind() would cut it", () => {
    const deep = "/tmp/" + "nested-checkout/".repeat(7) + "launch-0-candidate";
    expect(() => socketPath(deep)).toThrow(/over the 107 a Unix socket allows; run from a shorter folder/);
  });
});
