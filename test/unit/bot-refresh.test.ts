import { describe, expect, it } from "vitest";
import type { FlowContext } from "../../runner/flows/bot/index.ts";
import { reconcileAfterCommand, refreshAfterWrite } from "../../runner/flows/bot/index.ts";
import { DISPATCH_MARGIN_MS } from "../../runner/flows/bot/refresh.ts";
import { RECONCILE_AFTER_COMMAND_EVERY_MS } from "../../runner/flows/bot/reconcile.ts";
import { botContext, NOW } from "../fakes/bot-fixtures.ts";
import { memoryGitHub, type MemoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore } from "../fakes/memory-store.ts";

const DEBOUNCE_MS = 180_000;

function setup(): { ctx: FlowContext; api: MemoryGitHub; at: { now: number } } {
  const api = memoryGitHub();
  const at = { now: NOW.getTime() };
  const ctx = botContext({ api, store: memoryStore(), now: () => new Date(at.now) });
  return { ctx, api, at };
}

describe("the board dispatch after a bot write", () => {
  it("a burst of 20 writes dispatches the board once, and a mirror run reads after each write", async () => {
    const { ctx, api, at } = setup();
    const start = at.now;
    const dispatchedAt: number[] = [];
    const writes: number[] = [];
    for (let k = 0; k < 20; k++) {
      at.now = start + k * 5_000; // a command every 5 seconds
      writes.push(at.now);
      if (await refreshAfterWrite(ctx, "comment", { boardDebounceMs: DEBOUNCE_MS }))
        dispatchedAt.push(at.now);
    }
    expect(api.dispatches.map((d) => d.workflow)).toEqual(["board.yml"]);
    // A run dispatched at d reads the feeds at d + debounce at the earliest: every write, the last
    // one included, is made before some dispatched run reads.
    for (const t of writes) expect(dispatchedAt.some((d) => d <= t && t < d + DEBOUNCE_MS)).toBe(true);
  });

  it("dispatches again once the last dispatch is older than the debounce less the margin", async () => {
    const { ctx, api, at } = setup();
    const start = at.now;
    await refreshAfterWrite(ctx, "comment", { boardDebounceMs: DEBOUNCE_MS });
    at.now = start + DEBOUNCE_MS - DISPATCH_MARGIN_MS - 1_000;
    expect(await refreshAfterWrite(ctx, "comment", { boardDebounceMs: DEBOUNCE_MS })).toBeUndefined();
    at.now = start + DEBOUNCE_MS - DISPATCH_MARGIN_MS;
    expect(await refreshAfterWrite(ctx, "comment", { boardDebounceMs: DEBOUNCE_MS })).toBe("board.yml");
    expect(api.dispatches).toHaveLength(2);
  });

  it("without the debounce (or with one under the margin) every write dispatches", async () => {
    for (const boardDebounceMs of [undefined, 0, DISPATCH_MARGIN_MS]) {
      const { ctx, api } = setup();
      for (let k = 0; k < 3; k++) await refreshAfterWrite(ctx, "comment", { boardDebounceMs });
      expect(api.dispatches).toHaveLength(3);
    }
  });

  it("a dispatch recorded in the future (a skewed clock) silences nothing", async () => {
    const { ctx, api, at } = setup();
    at.now += 60_000;
    await refreshAfterWrite(ctx, "comment", { boardDebounceMs: DEBOUNCE_MS });
    at.now -= 60_000;
    expect(await refreshAfterWrite(ctx, "comment", { boardDebounceMs: DEBOUNCE_MS })).toBe("board.yml");
    expect(api.dispatches).toHaveLength(2);
  });

  it("a dispatch GitHub refused is not recorded: the next write dispatches", async () => {
    const { ctx, api, at } = setup();
    const refusing = {
      ...ctx,
      api: {
        ...api,
        dispatch: async () => {
          throw new Error("403: rate limited");
        },
      },
    };
    await expect(refreshAfterWrite(refusing, "comment", { boardDebounceMs: DEBOUNCE_MS })).rejects.toThrow(
      /rate limited/,
    );
    at.now += 5_000;
    expect(await refreshAfterWrite(ctx, "comment", { boardDebounceMs: DEBOUNCE_MS })).toBe("board.yml");
  });

  it("the mirror's own write always dispatches the site build", async () => {
    const { ctx, api } = setup();
    for (let k = 0; k < 2; k++) await refreshAfterWrite(ctx, "board", { boardDebounceMs: DEBOUNCE_MS });
    expect(api.dispatches.map((d) => d.workflow)).toEqual(["pages.yml", "pages.yml"]);
  });
});

describe("the reconciliation after a command", () => {
  it("a burst of 20 commands reads the comments feed once per few minutes, not once each", async () => {
    const { ctx, api, at } = setup();
    const start = at.now;
    let ran = 0;
    for (let k = 0; k < 20; k++) {
      at.now = start + k * 30_000; // ten minutes of commands
      if (await reconcileAfterCommand(ctx)) ran++;
    }
    expect(ran).toBe(Math.ceil((20 * 30_000) / RECONCILE_AFTER_COMMAND_EVERY_MS));
    const feedReads = api.calls.filter((c) => c.method === "commentsSince").length;
    expect(feedReads).toBe(ran);
  });
});
