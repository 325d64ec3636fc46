import { describe, expect, it } from "vitest";
import { parseSubmission } from "../../runner/core/validate/manifest.ts";
import { foldProblems, sortProblems } from "../../runner/core/validate/problem.ts";

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
