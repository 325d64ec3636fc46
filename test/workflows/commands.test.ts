import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { dataPath } from "../../runner/core/layout.ts";
import { findAct, startHarness, type Harness } from "./harness.ts";
import { ALICE, BOB, ORGA, challengeFiles } from "./challenge.ts";

// Scenario (d): /rule, /negative, /withdraw, /join, /broadcast through request.yml; each bot write
// dispatches the board mirror (board.yml), the mirror dispatches the site build (pages.yml): the
// data branch, the board and the deployed site are refreshed without waiting for a schedule.
const act = findAct();
if (!act) console.log("workflows tier skipped: act is not installed (npm run setup:act)");

const CAROL = { id: 103, login: "carol" };
const REGISTRATION = 10;
const manifest = (title: string, author: string, quantization: string) =>
  stringify({
    schema: 1,
    title,
    authors: [author],
    parents: ["baseline"],
    engine: { kind: "embedded", args: { quantization } },
  });

let h: Harness;

describe.skipIf(!act)("scenario d: organizer and participant commands on the shipped request.yml", () => {
  beforeAll(async () => {
    const files = challengeFiles();
    files["challenge/participants.yaml"] = files["challenge/participants.yaml"]!.replace(
      "schema: 1\n",
      `schema: 1\nregistration_issue: ${REGISTRATION}\n`,
    );
    h = await startHarness({ files });
    await h.pushPr(1, ALICE, { "submissions/q8/submission.yaml": manifest("q8", "alice", "q8_0") });
    await h.pushPr(2, BOB, { "submissions/q4/submission.yaml": manifest("q4", "bob", "q4_0") });
    await h.pushPr(3, ALICE, { "submissions/q5/submission.yaml": manifest("q5", "alice", "q5_0") });
    const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    h.fake.issues.set(REGISTRATION, {
      number: REGISTRATION,
      title: "Registration",
      body: "Comment /join to take part.",
      user: ORGA,
      labels: [],
      state: "open",
      isPr: false,
      comments: [],
      created_at: at,
      updated_at: at,
    });
  });
  afterAll(async () => h?.close());

  it("records each command, answers it, and refreshes board and site once the writes are done", async () => {
    const commands = [
      await h.comment(1, ORGA, "/rule invalid uses a pruned vocabulary", "OWNER"),
      await h.comment(2, BOB, "/negative q4_0 loses 6% perplexity, a dead end"),
      await h.comment(3, ALICE, "/withdraw superseded by q8"),
      await h.comment(REGISTRATION, CAROL, "/join", "NONE"),
      await h.comment(REGISTRATION, ORGA, "/broadcast Looks move to 4 and 8 blocks on Monday.", "OWNER"),
    ];
    for (const c of commands) expect(c.jobs, c.log).toEqual({ request: "success" });
    // Each command pushed to the data branch with GITHUB_TOKEN (which starts no workflow) and
    // dispatched board.yml; GitHub keeps one pending run of its group, so one mirror, then one build.
    const refresh = await h.settle();
    expect(refresh.map((r) => [r.workflow, r.jobs])).toEqual([
      ["board.yml", { mirror: "success" }],
      ["pages.yml", { build: "success", deploy: "success", cooldown: "success" }],
    ]);
    const data = await h.dataFiles();
    const dir = (path: string) => path.slice(0, path.lastIndexOf("/") + 1);
    expect(data.filter((f) => f.startsWith(dir(dataPath.ruling("x"))))).toHaveLength(1);
    expect(data.filter((f) => f.startsWith(dir(dataPath.lifecycle("x"))))).toHaveLength(2);
    expect(data).toContain(dataPath.registration(CAROL.id));
    expect(data.filter((f) => f.startsWith(dir(dataPath.broadcast("x"))))).toHaveLength(1);
    // Every command was answered on its thread, and the board (data branch and site) has the answers.
    for (const n of [1, 2, 3, REGISTRATION]) {
      const bot = h.fake.issues.get(n)!.comments.filter((c) => c.user.login === "github-actions[bot]");
      expect(bot.length, `thread ${n}`).toBeGreaterThan(0);
      const mirrored = JSON.parse(await h.dataFile(dataPath.thread(n))) as { comments: { body: string }[] };
      expect(mirrored.comments.map((c) => c.body)).toEqual(expect.arrayContaining(bot.map((c) => c.body)));
      const site = JSON.parse(await readFile(join(h.pages, `api/threads/${n}.json`), "utf8"));
      expect(site.comments.length, `site thread ${n}`).toBe(h.fake.issues.get(n)!.comments.length);
    }
    const siteText = async (rel: string) => readFile(join(h.pages, rel), "utf8");
    expect(await siteText("board.html")).toContain("Looks move to 4 and 8 blocks on Monday.");
    expect(await siteText("participants/carol.html")).toContain("Looks move to 4 and 8 blocks on Monday.");
    expect(await siteText("rulings.html")).toContain("uses a pruned vocabulary");
    expect(await siteText("participants/bob.html")).toContain("q4_0 loses 6% perplexity, a dead end");
    expect(h.fake.violations).toEqual([]);
  });
});
