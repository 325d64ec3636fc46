import { siteContext, type SiteFile } from "./context.ts";
import type { SiteModel } from "./model.ts";
import { agentsPage } from "./pages/agents.ts";
import { apiIndex } from "./pages/api-index.ts";
import { boardPages } from "./pages/board.ts";
import { digest } from "./pages/digest.ts";
import { feed } from "./pages/feed.ts";
import { glossaryPage } from "./pages/glossary.ts";
import { homePage } from "./pages/home.ts";
import { kbPages } from "./pages/kb.ts";
import { leaderboardPages } from "./pages/leaderboard.ts";
import { lineagePages } from "./pages/lineage.ts";
import { participantPages } from "./pages/participants.ts";
import { queuePage } from "./pages/queue.ts";
import { rulesPage } from "./pages/rules.ts";
import { rulingsPage } from "./pages/rulings.ts";
import { runnersPage } from "./pages/runners.ts";
import { submissionPages } from "./pages/submission.ts";

export { API_SCHEMA_VERSION, linkBasis, pageContext, type LinkBasis, type SiteFile } from "./context.ts";
export { threadFiles } from "./pages/board.ts";

export interface RenderOptions {
  /** Only pages for these submissions/threads are rendered (incremental builds); undefined = all. */
  onlySubmissions?: Set<string>;
  onlyThreads?: Set<number>;
  /** "elsewhere": thread pages and twins are left out (the site build renders them in a worker). */
  threadPages?: "here" | "elsewhere";
}

/**
 * Renders the whole site as a stream of files, one page module after another, so a
 * 10,000-submission site never sits in memory at once. Each module owns its pages and JSON twins.
 */
export function* renderSite(m: SiteModel, opts: RenderOptions = {}): Generator<SiteFile> {
  const ctx = siteContext(m);
  yield* homePage(ctx);
  yield* leaderboardPages(ctx);
  yield* lineagePages(ctx);
  yield* submissionPages(ctx, opts.onlySubmissions);
  yield* boardPages(ctx, opts.onlyThreads, opts.threadPages);
  yield* rulingsPage(ctx);
  yield* rulesPage(ctx);
  yield* agentsPage(ctx);
  yield* glossaryPage(ctx);
  yield* kbPages(ctx);
  yield* participantPages(ctx);
  yield* runnersPage(ctx);
  yield* queuePage(ctx);
  yield* digest(ctx);
  yield* feed(ctx);
  yield* apiIndex(ctx);
}
