// Regression (red team A13): text the engine shapes (its served model ids, its /v1/models error)
// must not pick which fixed phrase its failure is published under.
import { describe, expect, it } from "vitest";
import { errorPhrase } from "../../runner/core/github/record-check.ts";

describe("an engine cannot pick its failure's phrase (A13)", () => {
  it("a served model id never steers the published reason", () => {
    const served = (model: string) => `engine serves ${model}, not \`velodrome\``; // launch.ts
    const phrases = ["sha-moved", "deadline", "stream", "crash", "did not become healthy"].map((m) =>
      errorPhrase(served(m)),
    );
    expect(new Set(phrases)).toEqual(new Set(["the engine did not serve the model the harness asked for"]));
    expect(errorPhrase("engine is healthy but /v1/models failed: moved stream deadline")).toBe(phrases[0]);
  });
});
