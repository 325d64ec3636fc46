import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { dataPath } from "../../runner/core/layout.ts";
import { findAct, startHarness, type Harness } from "./harness.ts";
import { ALICE, BOB, challengeFiles } from "./challenge.ts";

// Scenario (a): a PR opened → validate.yml (unprivileged) → validate-comment.yml (workflow_run)
// posts the file:line report on the PR; a poisoned report artifact is refused.
const act = findAct();
if (!act) console.log("workflows tier skipped: act is not installed (npm run setup:act)");

let h: Harness;

const pushPr = (n: number, user: { id: number; login: string }, files: Record<string, string>) =>
  h.pushPr(n, user, files).then(({ head, event }) => ({ head, ev: event }));

describe.skipIf(!act)("scenario a: validate → validate-comment on the shipped workflows", () => {
  beforeAll(async () => {
    h = await startHarness({ files: challengeFiles() });
  });
  afterAll(async () => h?.close());

  it("posts the file:line report of a broken manifest on its PR", async () => {
    const manifest = stringify({
      schema: 1,
      title: "q8",
      authors: ["alice"],
      parents: ["baseline"],
      engine: { kind: "embedded", args: { quantization: "q8_0", port: 9999 } },
    });
    const { ev } = await pushPr(1, ALICE, { "submissions/q8/submission.yaml": manifest });
    const run = await h.act("validate.yml", "pull_request", ev);
    expect(run.jobs, run.log).toEqual({ validate: "success" });
    // validate-comment (workflow_run), then the board mirror it dispatched, then the site build.
    const [comment, board, pages] = await h.settle();
    expect(comment!.workflow).toBe("validate-comment.yml");
    expect(comment!.jobs, comment!.log).toEqual({ comment: "success" });
    const posted = h.fake.issues.get(1)!.comments.filter((c) => c.user.login === "github-actions[bot]");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toMatch(/submissions\/q8\/submission\.yaml:11:5/);
    expect(posted[0]!.body).toMatch(/unknown key \\`port\\`/);
    expect([board!.workflow, board!.jobs]).toEqual(["board.yml", { mirror: "success" }]);
    expect([pages!.workflow, pages!.jobs]).toEqual([
      "pages.yml",
      { build: "success", deploy: "success", cooldown: "success" },
    ]);
    // The data branch's board and the deployed site carry the report.
    const thread = JSON.parse(await h.dataFile(dataPath.thread(1))) as { comments: { body: string }[] };
    expect(thread.comments.map((c) => c.body)).toEqual([posted[0]!.body]);
    const site = JSON.parse(await readFile(join(h.pages, "api/threads/1.json"), "utf8"));
    expect(site.comments[0].body).toContain("submissions/q8/submission.yaml:11:5");
    expect(h.fake.violations).toEqual([]);
  });

  it("refuses a poisoned report: a fork's own validate.yml uploads a forged artifact", async () => {
    // Bob's PR 3 rewrites validate.yml (pull_request runs the PR's copy) to upload a report that
    // claims to be PR 1's and hides markup; validate-comment (main's copy) reads it as data.
    const forged = JSON.stringify({ pr: 1, ok: true, problems: [], html: "<script>alert(1)</script>" });
    const wf = (await readFile(join(h.work, ".github/workflows/validate.yml"), "utf8")).replace(
      /node runner\/bin\/velodrome\.mjs validate[^\n]*\n[^\n]*\n/,
      `echo '${forged}' > report/report.json\n`,
    );
    expect(wf).toContain("alert(1)");
    const { ev } = await pushPr(3, BOB, {
      "submissions/bob/submission.yaml": "schema: 1\n",
      ".github/workflows/validate.yml": wf,
    });
    const before = h.fake.issues.get(1)!.comments.map((c) => c.body);
    await h.act("validate.yml", "pull_request", ev, { workflowText: wf });
    const [comment] = await h.settle();
    expect(comment!.log).toMatch(/"kind":"refused"/);
    expect(h.fake.issues.get(1)!.comments.map((c) => c.body)).toEqual(before);
    for (const i of h.fake.issues.values())
      for (const c of i.comments) expect(c.body).not.toContain("alert(1)");
  });
});
