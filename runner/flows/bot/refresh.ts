import { dataPath } from "../../core/layout.ts";
import type { Watermark } from "../../core/schema/data.ts";
import { recordWrite, type FlowContext } from "./context.ts";
import { findWatermark, isoSeconds } from "./feed.ts";

/** The board mirror's workflow and the site build's (`.github/workflows/`). */
export const BOARD_WORKFLOW = "board.yml";
export const PAGES_WORKFLOW = "pages.yml";

/**
 * How much earlier than the board's debounce a dispatch must be to be coalesced: the runners'
 * clocks and the time between the dispatch and the run's start, with room to spare.
 */
export const DISPATCH_MARGIN_MS = 30_000;

/**
 * GitHub starts no workflow from what the bot does with GITHUB_TOKEN (its pushes to the data branch,
 * its comments), except `workflow_dispatch`. So after every bot command that may have written, the
 * bot dispatches the board mirror, and the mirror, once it has written, dispatches the site build:
 * one chain, the site built once per write and after the board has the new comment.
 *
 * A burst of commands costs one board dispatch, not one each (`boardDebounceMs`: board.yml's
 * `debounce`, which the job passes in; without it every write dispatches). A mirror run dispatched
 * at time d reads the feeds no earlier than d + debounce, after the wait it starts with, whether it
 * runs, waits as the pending run or is replaced by a newer one (which reads later still). So a
 * write made before d + debounce − margin is read by that run: it needs no dispatch of its own.
 * The time of the last dispatch is kept on the data branch (`watermarks/board-dispatch.json`),
 * written only after the dispatch succeeded. Returns the workflow dispatched, or undefined.
 */
export async function refreshAfterWrite(
  ctx: FlowContext,
  command: string,
  o: { boardDebounceMs?: number } = {},
): Promise<string | undefined> {
  if (command === "board") {
    await ctx.api.dispatch(PAGES_WORKFLOW, ctx.ref, {});
    return PAGES_WORKFLOW;
  }
  const window = (o.boardDebounceMs ?? 0) - DISPATCH_MARGIN_MS;
  const now = ctx.now().getTime();
  if (window > 0) {
    const last = findWatermark(await ctx.store.read(), "board-dispatch")?.since;
    const at = last === undefined ? NaN : Date.parse(last);
    // Only a past dispatch counts (a clock ahead of ours must not silence the board).
    if (at <= now && now - at < window) return undefined;
  }
  await ctx.api.dispatch(BOARD_WORKFLOW, ctx.ref, {});
  if (window > 0) await rememberDispatch(ctx, now);
  return BOARD_WORKFLOW;
}

/** Records a board dispatch (only forward); never fails the job: a lost record costs a dispatch. */
async function rememberDispatch(ctx: FlowContext, now: number) {
  const iso = isoSeconds(now); // rounds down: only safer
  const w: Watermark = { version: 1, name: "board-dispatch", since: iso, at: iso };
  await ctx.store
    .transact("board: dispatched the mirror", (s) => {
      const stored = findWatermark(s, "board-dispatch")?.since;
      if (stored !== undefined && Date.parse(stored) >= now) return { writes: [], result: null };
      return { writes: [recordWrite(dataPath.watermark("board-dispatch"), w)], result: null };
    })
    .catch((e: unknown) => ctx.log?.(`the board dispatch was not recorded: ${(e as Error).message}`));
}
