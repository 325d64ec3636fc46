import { describe, expect, it } from "vitest";
import { parseSubmission } from "../../runner/core/validate/manifest.ts";
import { foldProblems, sortProblems } from "../../runner/core/validate/problem.ts";
import { validateRepository } from "../../runner/core/validate/report.ts";
import { stringify } from "yaml";
import { challengeWith, MANIFEST } from "./validate-fixtures.ts";

const FILE = "submissions/my-idea/submission.yaml";
const head =
  "schema: 1\ntitle: My idea\ndescription: Tuned batching.\nauthors: [alice]\nparents: [baseline]\n";

const problemsOf = (yaml: string) => foldProblems(sortProblems(parseSubmission(FILE, yaml).problems));

describe("repeats of one root cause are folded into one problem", () => {
  it("an indentation slip under `args:` is one problem naming the lines and where they belong", () => {
    const args = ["dtype: bfloat16", "max-num-seqs: 1", "max-model-len: 4096", "enforce-eager: true"];
    const yaml = `${head}engine:\n  kind: vllm\n  args:\n${args.map((a) => `  ${a}\n`).join("")}  env: {}\n`;
    const unfolded = parseSubmission(FILE, yaml).problems;
    expect(unfolded.length).toBe(5); // args null + one unknown key per line
    const ps = problemsOf(yaml);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ code: "unknown-key", line: 8 });
    expect(ps[0]!.message).toMatch(/indentation slip.*under `args:`/);
    expect(ps[0]!.fix).toBe("indent lines 9–12 two more spaces, under `args:` (line 8)");
  });

  it("unknown keys of one object become one problem; problems elsewhere stay apart", () => {
    const yaml = `${head}colour: red\nflavour: sweet\nengine:\n  kind: vllm\n  args: {}\n  sizes: 3\n`;
    const ps = problemsOf(yaml);
    const unknown = ps.filter((p) => p.code === "unknown-key");
    expect(unknown).toHaveLength(2);
    expect(unknown[0]!.message).toBe("unknown keys `colour`, `flavour` at the top level (lines 6–7)");
    expect(unknown[1]!.message).toMatch(/unknown key `sizes` in `engine`/);
  });

  it("leaves a single problem as it was", () => {
    const yaml = `${head}engine:\n  kind: vllm\n  args: {}\n  sizes: 3\n`;
    expect(problemsOf(yaml)).toEqual(parseSubmission(FILE, yaml).problems);
  });
});

describe("one pass: the rules check a manifest the schema refused only in parts it can do without", () => {
  // The fixture challenge as its file says it (parsing turns `min_effect: 1%` into a number).
  const challengeText = stringify({ ...challengeWith(), significance: { min_effect: "1%" } });
  const report = (text: string) =>
    validateRepository({
      challenge: { file: "challenge/challenge.yaml", text: challengeText },
      submissions: new Map([
        ["baseline", { text: MANIFEST.replace("parents: [baseline]", "parents: []"), files: [] }],
        ["x", { text, files: ["submission.yaml"] }],
      ]),
      targets: ["x"],
      entries: [
        {
          path: "submissions/x/submission.yaml",
          status: "added",
          kind: "file",
          size: text.length,
          binary: false,
        },
      ],
      prMode: false,
    }).problems.map((p) => `${p.line}:${p.code}:${p.path?.join(".") ?? ""}`);

  it("reports a bad optional value and a rule broken elsewhere together", () => {
    const text = MANIFEST.replace("parents: [baseline]", "parents: [ghost]").replace(
      "max-num-seqs: 1",
      "max-num-seqs: 1\n    dtype: bf16\n    extra_args: [--port=1]",
    );
    expect(report(text)).toEqual([
      "5:missing-parent:parents.0",
      "11:bad-value:engine.args.dtype",
      "12:harness-owned-flag:engine.args.extra_args.0",
    ]);
  });

  it("a misspelt key is one problem: the rule about the key it meant stays silent", () => {
    const text = MANIFEST.replace("parents: [baseline]", "paretns: [baseline]");
    expect(report(text)).toEqual(["5:unknown-key:paretns"]);
  });

  it("a bad entry of a list leaves the list out: no rule speaks about the rest of it", () => {
    const text = MANIFEST.replace("parents: [baseline]", 'parents: [baseline, "Not a slug"]');
    expect(report(text)).toEqual(["5:invalid:parents.1"]);
  });

  it("a required key the schema refused still holds the rules back (they would guess)", () => {
    const text = MANIFEST.replace("parents: [baseline]", "parents: [ghost]").replace(
      "authors: [alice]\n",
      "",
    );
    expect(report(text)).toEqual(["1:missing-key:authors"]);
  });
});
