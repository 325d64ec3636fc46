import { describe, expect, it } from "vitest";
import { cssToken, standingLabel, verdictLabel } from "../../runner/core/site/format.ts";

describe("site labels", () => {
  it("names the unresolved verdict and says the incumbent keeps the lead", () => {
    expect(verdictLabel("unresolved")).toBe("unresolved — evidence ran out; the incumbent keeps the lead");
  });

  it("reads an unknown but valid verdict or standing as itself, never as undefined", () => {
    expect(verdictLabel("stopped_early")).toBe("stopped early");
    expect(standingLabel("quarantined_by_bot")).toBe("quarantined by bot");
    expect(verdictLabel("constructor")).toBe("constructor"); // not Object.prototype's
    expect(cssToken("Weird <verdict>")).toBe("weird--verdict-");
  });

  it("labels in plain words: no glyphs the default Debian fonts lack", () => {
    for (const v of ["faster", "slower", "tie", "inconclusive", "unresolved"])
      expect(verdictLabel(v)).toMatch(/^[\x20-\x7e\u2014]+$/);
    for (const s of [
      "leader",
      "valid",
      "pending",
      "unconfirmed",
      "invalid",
      "failed",
      "error",
      "negative",
      "hacked",
      "withdrawn",
    ])
      expect(standingLabel(s)).toMatch(/^[\x20-\x7e\u2014]+$/);
  });
});
