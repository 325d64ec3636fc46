// Regression (red team A13): text the engine shapes (its served model ids, its /v1/models error)
// must not pick which fixed phrase its failure is published under.
import { describe, expect, it } from "vitest";
import { errorPhrase } from "../../runner/core/github/record-check.ts";
import { ENGINE_PHRASES } from "../../runner/adapters/engines/client.ts";

describe("an engine cannot pick its failure's phrase (A13)", () => {
  it("a served model id never steers the published reason", () => {
    const served = (model: string) => `engine serves ${model}, not \`velodrome\``; // launch.ts
    const phrases = ["sha-moved", "deadline", "stream", "crash", "did not become healthy"].map((m) =>
      errorPhrase(served(m)),
    );
    expect(new Set(phrases)).toEqual(new Set(["the engine did not serve the model the harness asked for"]));
    expect(errorPhrase("engine is healthy but /v1/models failed: moved stream deadline")).toBe(phrases[0]);
  });

  it("the client's own words for a flood and a cut stream, and the gather's incomplete look, have their phrases", () => {
    const launch = (m: string) => `candidate q8 (block 1): ${m}`;
    expect(errorPhrase(launch(ENGINE_PHRASES.tooLarge(300_000, 8)))).toBe(
      "the engine's response passed its size cap (it flooded the client)",
    );
    expect(errorPhrase(launch(ENGINE_PHRASES.cut))).toBe("the engine broke the streaming protocol");
    expect(errorPhrase("look 2 is incomplete: no share left a result for block 7 (its job died)")).toBe(
      "a share of the look left no result (its job died, or its engine stopped the client)",
    );
    // Only the gather's own sentence: the same words later in a launch's text do not pick it.
    expect(errorPhrase(launch("look 2 is incomplete: ..."))).not.toMatch(/^a share of the look/);
  });
});
