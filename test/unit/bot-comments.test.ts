/**
 * Golden files for every comment the bot writes (test/golden/comments/): a reviewer sees any
 * change to what participants read in the diff. UPDATE_GOLDEN=1 rewrites them. Refusal texts come
 * from the real decisions, so a reworded reason shows up here too.
 */
import { describe, expect, it } from "vitest";
import { decideBench, type BenchInput } from "../../runner/core/github/bench.ts";
import {
  parseHiddenJson,
  renderQueuedComment,
  renderRefusalComment,
  renderRejectedComment,
  renderRulingComment,
  renderValidationComment,
  renderVerdictComment,
  type QueuedComment,
} from "../../runner/core/github/comment.ts";
import { triageComment } from "../../runner/core/github/event.ts";
import { decideRule } from "../../runner/core/github/rule.ts";
import type { Problem } from "../../runner/core/validate/problem.ts";
import { expectGolden } from "../golden.ts";
import {
  ALICE,
  BOB,
  challenge,
  commentEvent,
  MALLORY,
  NOW,
  openPull,
  ORGA,
  origin,
  participants,
  reservation,
  runRecord,
  SHA,
  submissionFiles,
  type Scenario,
} from "../fakes/bot-fixtures.ts";

const audience = { author: "alice", requester: "alice", logUrl: "https://ci.invalid/runs/42" };

describe("validation comments", () => {
  const problem = (i: number): Problem => ({
    file: `submissions/q8/file-${i}.bin`,
    line: i % 3,
    col: 2,
    code: "binary-too-large",
    message: `binary file is ${i + 5} MB`,
    expected: "at most 5 MB",
    fix: "store weights outside the repository and reference them by URL",
  });

  it("passed", async () => {
    await expectGolden("comments/validation-ok.md", renderValidationComment(7, [], SHA));
  });

  it("with problems", async () => {
    const problems: Problem[] = [
      {
        file: "runner/evil.ts",
        line: 0,
        col: 0,
        code: "outside-submission",
        message: "a submission PR may only change files under submissions/<slug>/",
        fix: "move the change to its own PR",
      },
      problem(1),
    ];
    await expectGolden("comments/validation-problems.md", renderValidationComment(7, problems, SHA));
  });

  it("with more problems than the table shows", async () => {
    const problems = Array.from({ length: 53 }, (_, i) => problem(i));
    const body = renderValidationComment(7, problems, SHA);
    expect(body).toMatch(/\| … \| 3 more \| \|/);
    await expectGolden("comments/validation-truncated.md", body);
  });
});

describe("queued comments", () => {
  const base: QueuedComment = {
    pr: 7,
    requester: "alice",
    author: "alice",
    slug: "q8",
    against: "baseline",
    sha: SHA,
    quota: {
      ok: true,
      agentUsed: 1,
      agentLimit: 3,
      ownerUsed: 2,
      ownerLimit: 5,
      resetsAt: "2026-01-16T09:00:00.000Z",
    },
    runId: "2026-01-15-pr7-c3001",
    pooled: false,
    organizer: false,
  };

  it("by the author", async () => {
    await expectGolden("comments/queued.md", renderQueuedComment(base));
    const later = renderQueuedComment({ ...base, queue: { position: 3, eta: "2026-01-15T13:05:00.000Z" } });
    expect(later).toMatch(/2 evaluation\(s\) ahead of it; verdict expected around 2026-01-15 13:05 UTC/);
    expect(parseHiddenJson(later, "queued")).toMatchObject({ queue: { position: 3 } });
    await expectGolden("comments/queued-position.md", later);
  });

  it("pooled", async () => {
    const body = renderQueuedComment({ ...base, requester: "bob", pooled: true });
    await expectGolden("comments/queued-pooled.md", body);
  });

  it("organizer run, not charged", async () => {
    const body = renderQueuedComment({ ...base, requester: "orga", organizer: true, pooled: true });
    expect(parseHiddenJson(body, "queued")).toMatchObject({ quota: { agentUsed: 1, ownerUsed: 2 } });
    await expectGolden("comments/queued-organizer.md", body);
  });

  it("organizer A/A calibration run", async () => {
    const body = renderQueuedComment({
      ...base,
      requester: "orga",
      organizer: true,
      pooled: true,
      against: "q8",
      aa: true,
    });
    expect(parseHiddenJson(body, "queued")).toMatchObject({ aa: true, slug: "q8", against: "q8" });
    await expectGolden("comments/queued-aa.md", body);
  });
});

/** The reason a /bench decision gives, from the real decision function. */
function benchRefusal(o: Partial<BenchInput>): string {
  const d = decideBench({
    origin: origin(),
    command: { kind: "bench" },
    pull: openPull(),
    files: submissionFiles(),
    state: { runs: [], reservations: [], rulings: [] },
    challenge: challenge(),
    participants: participants(),
    knownSlugs: ["baseline"],
    validation: { ok: true, problems: [] },
    now: NOW,
    ...o,
  });
  if (d.kind !== "refuse") throw new Error(`expected a refusal, got ${d.kind}`);
  return d.reason;
}

function triageRefusal(body: string, isPr = true): string {
  const t = triageComment(commentEvent({ body, isPr }));
  if (t.kind !== "refuse") throw new Error(`expected a refusal, got ${t.kind}`);
  return t.reason;
}

const ledger = (reservations: ReturnType<typeof reservation>[]) => ({ runs: [], reservations, rulings: [] });

describe("refusal comments", () => {
  const mine = [1, 2, 3].map((i) => reservation(`a-${i}`, ALICE, i));
  const bobs = [1, 2, 3].map((i) => reservation(`b-${i}`, BOB, i));
  const cases: [string, string, string][] = [
    ["not-participant", "mallory", benchRefusal({ origin: origin(MALLORY) })],
    ["quota-agent", "alice", benchRefusal({ state: ledger(mine) })],
    ["quota-owner", "alice", benchRefusal({ state: ledger([...mine.slice(0, 2), ...bobs]) })],
    ["pr-closed", "alice", benchRefusal({ pull: { ...openPull(), state: "closed" } })],
    [
      "outside-submission",
      "alice",
      benchRefusal({ files: [...submissionFiles(), { filename: "runner/x_[1].ts", status: "modified" }] }),
    ],
    [
      "several-submissions",
      "alice",
      benchRefusal({ files: [...submissionFiles("a"), ...submissionFiles("b")] }),
    ],
    ["against-unknown", "alice", benchRefusal({ command: { kind: "bench", against: "nope" } })],
    [
      "against-self",
      "alice",
      benchRefusal({
        command: { kind: "bench", against: "q8" },
        knownSlugs: ["baseline", "q8"],
        manifestAuthors: { q8: ["alice"] },
      }),
    ],
    [
      "foreign-submission",
      "mallory",
      benchRefusal({
        pull: { ...openPull(), user: MALLORY },
        knownSlugs: ["baseline", "q8"],
        manifestAuthors: { q8: ["alice"] },
      }),
    ],
    ["bench-usage", "alice", triageRefusal("/bench --blocks 99")],
    ["rule-usage", "alice", triageRefusal("/rule perhaps")],
    ["rule-needs-reason", "alice", triageRefusal("/rule invalid")],
    ["not-a-pull-request", "alice", triageRefusal("/bench", false)],
  ];

  it.each(cases)("%s", async (kind, requester, reason) => {
    await expectGolden(`comments/refusal-${kind}.md`, renderRefusalComment(requester, reason));
  });

  it("not-organizer", async () => {
    const d = decideRule({
      origin: origin(BOB, { association: "CONTRIBUTOR" }),
      command: { kind: "rule", decision: "invalid", reason: "x" },
      files: submissionFiles(),
      challenge: challenge(),
      participants: participants(),
      now: NOW,
    });
    if (d.kind !== "refuse") throw new Error("expected a refusal");
    await expectGolden("comments/refusal-not-organizer.md", renderRefusalComment("bob", d.reason));
  });
});

describe("verdict comments", () => {
  const verdicts: [string, Scenario][] = [
    ["faster", "faster"],
    ["slower", "slower"],
    ["tie", "tie"],
    ["inconclusive", "inconclusive"],
    ["stopped-early", "stoppedEarly"],
  ];

  it.each(verdicts)("%s", async (kind, scenario) => {
    const record = runRecord(scenario);
    if (kind !== "stopped-early") expect(record.comparison?.verdict).toBe(kind);
    else expect(record.comparison?.look).toMatchObject({ index: 1, of: 2, final: false });
    await expectGolden(`comments/verdict-${kind}.md`, renderVerdictComment(record, audience));
  });

  it("pooled, with a failed confirmation", async () => {
    const record = runRecord("faster", {
      confirmation: { status: "failed", ratio: 0.71, reason: "private-set speed 71% of the claim" },
    });
    const body = renderVerdictComment(record, { author: "alice", requester: "bob" });
    await expectGolden("comments/verdict-pooled-unconfirmed.md", body);
  });

  it("invalid: verification failed", async () => {
    const base = runRecord("faster");
    const record = runRecord("faster", {
      status: "invalid",
      reason: "timed outputs are identical to the submission's own plain decode on 1 of 2 prompts",
      quality: {
        candidate: {
          ...base.quality.candidate!,
          ok: false,
          greedy: { prompts: 2, exact: 0, exactFraction: 0, meanPrefixFraction: 0.4 },
          identity: { ok: false, prompts: 2, passed: 1, exact: 1, min: 0.8, tieMargin: 0.5 },
          outputNll: { ok: false, prompts: 2, nll: 0.9, nllPlain: 0.5, increase: 0.4, worse: 2, max: 0.05 },
        },
        incumbent: null,
      },
      confirmation: { status: "skipped" },
    });
    await expectGolden("comments/verdict-invalid.md", renderVerdictComment(record, audience));
  });

  it("unverified: a gathered look's record says it was checked by baseline agreement only", () => {
    const base = runRecord("faster");
    const { identity: _i, outputNll: _o, ...legacy } = base.quality.candidate!;
    const candidate = { ...legacy, ok: false, verifiedBy: "baseline-agreement" as const };
    const record = runRecord("faster", { status: "invalid", quality: { candidate, incumbent: null } });
    const body = renderVerdictComment(record, audience);
    expect(body).toContain(
      "Verified by agreement with the baseline only (no plain decode, no trusted scorer): not ranked.",
    );
    // An older record without the field reads as before.
    const old = renderVerdictComment(
      runRecord("faster", { quality: { candidate: legacy, incumbent: null } }),
      audience,
    );
    expect(old).not.toContain("not ranked");
  });

  it("error: the run failed", async () => {
    const record = runRecord("tie", {
      status: "error",
      reason: "engine exited with code 1",
      comparison: null,
    });
    await expectGolden("comments/verdict-error.md", renderVerdictComment(record, audience));
  });

  it("no comparison", async () => {
    const record = runRecord("tie", { comparison: null, launches: [] });
    await expectGolden("comments/verdict-no-comparison.md", renderVerdictComment(record, audience));
  });

  it("hostile text from the runner stays inert", async () => {
    const record = runRecord("faster", {
      runner: {
        id: "@everyone [click](javascript:alert(1))",
        hardware: "<img src=x onerror=alert(1)>",
        engine: "`x`",
        harness: "h",
      },
    });
    const body = renderVerdictComment(record, audience);
    expect(body).not.toMatch(/<img|@everyone|\]\(javascript/);
    await expectGolden("comments/verdict-hostile-text.md", body);
  });

  it("rejected result", async () => {
    const reason = "the reported verdict (faster) does not follow from the reported samples (slower)";
    await expectGolden("comments/verdict-rejected.md", renderRejectedComment("2026-01-15-pr7-c3001", reason));
  });
});

describe("ruling comments", () => {
  const rule = (decision: "invalid" | "valid", reason: string) => {
    const d = decideRule({
      origin: origin(ORGA, { association: "OWNER" }),
      command: { kind: "rule", decision, reason },
      files: submissionFiles(),
      challenge: challenge(),
      participants: participants(),
      now: NOW,
    });
    if (d.kind !== "record") throw new Error("expected a ruling");
    return renderRulingComment(d.ruling);
  };

  it("invalid, with a reason", async () => {
    await expectGolden(
      "comments/ruling-invalid.md",
      rule("invalid", "uses a pruned vocabulary, see #2 @bob"),
    );
  });

  it("valid, without a note", async () => {
    await expectGolden("comments/ruling-valid.md", rule("valid", ""));
  });
});
