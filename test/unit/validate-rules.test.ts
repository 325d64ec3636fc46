import { describe, expect, it } from "vitest";
import { formatProblem, PROBLEM_CODES, type Problem } from "../../runner/core/validate/problem.ts";
import { checkSubmissionRules, SUBMISSION_RULES } from "../../runner/core/validate/rules.ts";
import { challengeWith, codes, load, MANIFEST, validate } from "./validate-fixtures.ts";

/** One named rule on one manifest. */
function rule(name: keyof typeof SUBMISSION_RULES, text: string, files?: string[]): Problem[] {
  const { sub, problems } = load(text, files);
  expect(problems).toEqual([]);
  return SUBMISSION_RULES[name]!({
    challenge: challengeWith(),
    sub: sub!,
    knownSlugs: ["baseline", "x", "y"],
  });
}

describe("problem codes", () => {
  it("form one closed list without duplicates", () => {
    expect(new Set(PROBLEM_CODES).size).toBe(PROBLEM_CODES.length);
  });
  it("formatProblem writes file:line:col, the code, expected and a multi-line fix aligned", () => {
    const text = formatProblem({
      file: "a.yaml",
      line: 3,
      col: 5,
      code: "wrong-type",
      message: "m",
      expected: "object",
      fix: "write it:\nk:\n  a: 1",
    });
    expect(text).toBe(
      "a.yaml:3:5: error[wrong-type]: m\n  expected: object\n  fix: write it:\n       k:\n         a: 1",
    );
    expect(formatProblem({ file: "d/", line: 0, col: 0, code: "symlink", message: "m" })).toBe(
      "d/: error[symlink]: m",
    );
  });
});

describe("named rules", () => {
  it("parentRefs: a typo gets the nearest slug; the submission itself is no parent", () => {
    const typo = rule("parentRefs", MANIFEST.replace("[baseline]", "[baselin]"));
    expect(typo).toMatchObject([{ code: "missing-parent", line: 5, fix: "did you mean `baseline`?" }]);
    expect(codes(rule("parentRefs", MANIFEST.replace("[baseline]", "[x]")))).toEqual(["self-parent"]);
  });

  it("hasParents: only the baseline may have none", () => {
    expect(codes(rule("hasParents", MANIFEST.replace("[baseline]", "[]")))).toEqual(["no-parents"]);
    expect(rule("hasParents", MANIFEST)).toEqual([]);
  });

  it("engineKind and nightlyAllowed follow the challenge", () => {
    const embedded = MANIFEST.replace(/engine:[\s\S]*$/, "engine:\n  kind: embedded\n");
    expect(rule("engineKind", embedded)).toMatchObject([{ code: "wrong-engine", fix: "kind: vllm" }]);
    const nightly = MANIFEST.replace("  kind: vllm\n", "  kind: vllm\n  nightly: true\n");
    expect(codes(rule("nightlyAllowed", nightly))).toEqual(["nightly-not-allowed"]);
  });

  it("kernels: under kernels/ and present in the folder", () => {
    const k = (list: string) => MANIFEST + `kernels: [${list}]\n`;
    expect(codes(rule("kernels", k("attn.py")))).toEqual(["kernel-path"]);
    expect(codes(rule("kernels", k("kernels/attn.py")))).toEqual(["kernel-missing"]);
    expect(rule("kernels", k("kernels/attn.py"), ["submission.yaml", "kernels/attn.py"])).toEqual([]);
  });

  it("duplicateAuthors and placeholders point at the exact list item", () => {
    const twice = rule("duplicateAuthors", MANIFEST.replace("[alice]", "[alice, bob, alice]"));
    expect(twice).toMatchObject([{ code: "duplicate-author", path: ["authors", 2], line: 4 }]);
    const scaffolded = MANIFEST.replace("[alice]", "[alice, your-github-login]")
      .replace("title: int4 weights", "title: x (edit me)")
      .replace("Tuned the draft length.", "Builds on baseline. Describe what you changed and why.");
    const ps = rule("placeholders", scaffolded);
    expect(ps.map((p) => `${p.code}@${p.line}`)).toEqual(["placeholder@2", "placeholder@4", "placeholder@3"]);
  });

  it("checkSubmissionRules reports a parent cycle once, on its first member", () => {
    const a = load(MANIFEST.replace("[baseline]", "[y]")).sub!;
    const b = {
      ...load(MANIFEST.replace("[baseline]", "[x]")).sub!,
      slug: "y",
      file: "submissions/y/s.yaml",
    };
    const ps = checkSubmissionRules(challengeWith(), [a, b]);
    expect(ps.filter((p) => p.code === "parent-cycle")).toMatchObject([
      { file: a.file, message: "parents form a cycle: x → y → x" },
    ]);
  });

  it("a valid manifest passes every rule", () => {
    expect(validate(MANIFEST)).toEqual([]);
  });
});
