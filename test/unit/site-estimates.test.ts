import { describe, expect, it } from "vitest";
import {
  armEstimate,
  blockDifferences,
  launchMean,
  launchMeans,
  spread,
} from "../../runner/core/stats/estimates.ts";

/** Launches with the given mean each (two passes at mean ± 0.5). */
const launches = (arm: "candidate" | "incumbent", means: number[]) =>
  means.map((m, block) => ({ arm, block, runs: [m - 0.5, m + 0.5] }));

describe("per-run estimates used by the site", () => {
  it("a launch's speed is the mean of its passes", () => {
    expect(launchMean({ runs: [10, 11, 15] })).toBe(12);
  });

  it("launch means keep launch order and the arm asked for", () => {
    const run = { launches: [...launches("candidate", [5, 7]), ...launches("incumbent", [3])] };
    expect(launchMeans(run, "candidate")).toEqual([5, 7]);
    expect(launchMeans(run, "incumbent")).toEqual([3]);
  });

  it("an arm's estimate is the mean of launch means with a 95% t interval", () => {
    const e = armEstimate({ launches: launches("candidate", [100, 102, 104]) }, "candidate")!;
    expect(e.estimate).toBe(102);
    expect(e.launches).toEqual([100, 102, 104]);
    // t(0.975, 2) = 4.302653; sd = 2; half-width = 4.302653 * 2 / sqrt(3) (scipy.stats.t.ppf).
    expect(e.ci[0]).toBeCloseTo(102 - 4.968275, 5);
    expect(e.ci[1]).toBeCloseTo(102 + 4.968275, 5);
  });

  it("one launch gives a zero-width interval, no launch no estimate", () => {
    const one = { launches: launches("incumbent", [50]) };
    expect(armEstimate(one, "incumbent")).toEqual({ estimate: 50, ci: [50, 50], launches: [50] });
    expect(armEstimate(one, "candidate")).toBeUndefined();
  });

  it("block differences pair the arms by block and skip incomplete blocks", () => {
    const run = {
      launches: [...launches("candidate", [10, 20, 30]), ...launches("incumbent", [9, 22]).reverse()],
    };
    expect(blockDifferences(run)).toEqual([1, -2]);
  });

  it("spread is the sample sd, and 0 below two values", () => {
    expect(spread([])).toBe(0);
    expect(spread([4])).toBe(0);
    expect(spread([1, 3])).toBeCloseTo(Math.SQRT2, 12);
  });
});
