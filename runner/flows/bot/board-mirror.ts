import { threadOf } from "../../core/github/thread.ts";
import { dataPath } from "../../core/layout.ts";
import type { Thread } from "../../core/schema/data.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";

/** Mirrors issue threads (all of them, or the given numbers) into the data branch for the site. */
export async function mirrorThreads(ctx: FlowContext, numbers?: number[]): Promise<Outcome> {
  const issues = numbers
    ? await Promise.all(numbers.map((n) => ctx.api.getIssue(n)))
    : await ctx.api.listIssues();
  const threads: Thread[] = [];
  for (const issue of issues) {
    // Issues without comments skip the extra request.
    const comments = issue.comments ? await ctx.api.listComments(issue.number) : [];
    threads.push(threadOf(issue, comments));
  }
  await ctx.store.transact(`board: mirror ${threads.length} thread(s)`, () => ({
    writes: threads.map((t) => recordWrite(dataPath.thread(t.number), t)),
    result: null,
  }));
  return { kind: "mirrored", threads: threads.map((t) => t.number) };
}
