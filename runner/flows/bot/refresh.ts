import type { FlowContext } from "./context.ts";

/** The board mirror's workflow and the site build's (`.github/workflows/`). */
export const BOARD_WORKFLOW = "board.yml";
export const PAGES_WORKFLOW = "pages.yml";

/**
 * GitHub starts no workflow from what the bot does with GITHUB_TOKEN (its pushes to the data branch,
 * its comments), except `workflow_dispatch`. So after every bot command that may have written, the
 * bot dispatches the board mirror, and the mirror, once it has written, dispatches the site build:
 * one chain, the site built once per write and after the board has the new comment.
 */
export async function refreshAfterWrite(ctx: FlowContext, command: string): Promise<string> {
  const workflow = command === "board" ? PAGES_WORKFLOW : BOARD_WORKFLOW;
  await ctx.api.dispatch(workflow, ctx.ref, {});
  return workflow;
}
