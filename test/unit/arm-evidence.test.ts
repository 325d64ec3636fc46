import { describe, expect, it } from "vitest";
import {
  absorbEvidence,
  emptyEvidence,
  exactSeverity,
  type Severity,
} from "../../runner/flows/run/arm-evidence.ts";

// Which of an arm's outputs is verified: of everything it decoded for a prompt (passes and launches),
// the one furthest from the truth, so an exact decode never hides a wrong one.

describe("the output an arm is verified on", () => {
  const truth = new Map([["p", [1, 2, 3]]]);
  // 0 identical; 1 diverged at step 1 (a near-tie there); 2 anywhere else.
  const severity: Severity = (_id, tokens) => {
    if (tokens.join() === "1,2,3") return 0;
    return tokens[0] === 1 && tokens[1] !== 2 ? 1 : 2;
  };

  it("keeps a differing pass whichever pass it was, and a clear violation over a near-tie", () => {
    const e = emptyEvidence();
    // One launch: first pass exact, a repeat diverged at the near-tie.
    absorbEvidence(e, new Map([["p", [1, 2, 3]]]), undefined, severity, new Map([["p", [[1, 9, 9]]]]));
    expect(e.outputs.get("p")).toEqual([1, 9, 9]);
    // A later launch: first pass lossy at a clear decision, repeat exact. The violation wins.
    absorbEvidence(e, new Map([["p", [5, 5, 5]]]), undefined, severity, new Map([["p", [[1, 2, 3]]]]));
    expect(e.outputs.get("p")).toEqual([5, 5, 5]);
    // Nothing exact, nor another near-tie, replaces it afterwards.
    absorbEvidence(e, new Map([["p", [1, 2, 3]]]), undefined, severity, new Map([["p", [[1, 8, 8]]]]));
    expect(e.outputs.get("p")).toEqual([5, 5, 5]);
  });

  it("against the baseline's outputs any difference counts, and scoring terms accumulate", () => {
    const e = emptyEvidence();
    const scoring = [{ nll: 1, n: 2 }];
    absorbEvidence(e, new Map([["p", [1, 2, 4]]]), scoring, exactSeverity(truth));
    absorbEvidence(e, new Map([["p", [1, 2, 3]]]), scoring, exactSeverity(truth));
    expect(e.outputs.get("p")).toEqual([1, 2, 4]);
    expect(e.scoring).toHaveLength(2);
  });
});
