import { describe, expect, it } from "vitest";
import { hiddenJson } from "../../runner/core/github/comment-text.ts";
import { prStatus } from "../../runner/core/github/status.ts";
import { renderRefusalComment } from "../../runner/core/github/comment.ts";
import { followPr, StatusTimeout } from "../../runner/flows/status.ts";
import { ALICE } from "../fakes/bot-fixtures.ts";
import { BOT_USER, memoryGitHub } from "../fakes/memory-github.ts";

const BOT = BOT_USER.login;
const queued = hiddenJson("queued", {
  version: 1,
  runId: "r1",
  slug: "q8",
  against: "baseline",
  queue: { position: 2 },
});
const verdict = hiddenJson("verdict", { version: 1, id: "r1", verdict: "faster" });
const validated = hiddenJson("validate", { version: 1, ok: true, problems: [] });

describe("prStatus", () => {
  it("reads the stages from the bot's own twins", () => {
    const api = memoryGitHub();
    const c = (body: string, user = BOT_USER) => ({
      id: 1,
      body,
      user,
      created_at: "",
      updated_at: "",
      reactions: 0,
    });
    expect(prStatus(7, [], BOT).stage).toBe("not-validated");
    expect(prStatus(7, [c(validated)], BOT)).toMatchObject({ stage: "valid", validation: { ok: true } });
    expect(prStatus(7, [c(validated), c(queued)], BOT)).toMatchObject({
      stage: "queued",
      run: { id: "r1", queue: { position: 2 } },
    });
    expect(prStatus(7, [c(validated), c(queued), c(verdict)], BOT)).toMatchObject({
      stage: "verdict",
      verdict: { verdict: "faster" },
    });
    void api;
  });

  it("F8: a refusal answers its requester: a stranger's malformed /bench does not fail the author's status", async () => {
    const api = memoryGitHub();
    api.pulls.set(7, { number: 7, user: ALICE, headSha: "s", state: "open", files: [] });
    api.comments.set(7, []);
    await api.createComment(7, validated);
    await api.createComment(7, renderRefusalComment("mallory", "`--blocks` must be a number"));
    const o = { api, pr: 7, botLogin: BOT, wait: false, pollMs: 1, timeoutMs: 1, now: () => 0 };
    const s = await followPr({ ...o, sleep: async () => undefined });
    expect(s).toMatchObject({ stage: "valid" });
    expect(s.refusal).toBeUndefined();
    // The author's own refusal still counts.
    await api.createComment(7, renderRefusalComment("alice", "quota used"));
    expect(await followPr({ ...o, sleep: async () => undefined })).toMatchObject({
      stage: "refused",
      refusal: "quota used",
    });
  });

  it("ignores twins a participant pasted into their own comment", () => {
    const mine = { id: 2, body: verdict + queued, user: ALICE, created_at: "", updated_at: "", reactions: 0 };
    expect(prStatus(7, [mine], BOT).stage).toBe("not-validated");
  });
});

describe("followPr --wait", () => {
  it("polls until the verdict lands, then returns it", async () => {
    const api = memoryGitHub();
    api.comments.set(7, []);
    const t = { now: 0 };
    const steps = [validated, queued, verdict];
    const s = await followPr({
      api,
      pr: 7,
      botLogin: BOT,
      wait: true,
      pollMs: 1000,
      timeoutMs: 60_000,
      now: () => t.now,
      sleep: async (ms) => {
        t.now += ms;
        const next = steps.shift();
        if (next) await api.createComment(7, next);
      },
    });
    expect(s).toMatchObject({ stage: "verdict", run: { id: "r1" } });
    expect(t.now).toBe(3000);
  });

  it("gives up at the timeout with the last stage", async () => {
    const api = memoryGitHub();
    const t = { now: 0 };
    const run = followPr({
      api,
      pr: 7,
      botLogin: BOT,
      wait: true,
      pollMs: 1000,
      timeoutMs: 5000,
      now: () => t.now,
      sleep: async (ms) => void (t.now += ms),
    });
    await expect(run).rejects.toBeInstanceOf(StatusTimeout);
  });
});
