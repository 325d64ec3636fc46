import { prStatus, type PrStatus } from "../core/github/status.ts";
import type { GitHubApi } from "../ports.ts";

export interface StatusOptions {
  api: GitHubApi;
  pr: number;
  botLogin: string;
  /** Whose refusals count (a login); default: the PR's author as the API reports it. */
  requester?: string;
  /** Keep polling until a verdict lands (or `timeoutMs` passes). */
  wait: boolean;
  pollMs: number;
  timeoutMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Called with each new stage while waiting (progress for people; agents read the final JSON). */
  onChange?: (s: PrStatus) => void;
}

export class StatusTimeout extends Error {
  override name = "StatusTimeout";
  constructor(readonly last: PrStatus) {
    super(`no verdict on PR #${last.pr} yet (stage: ${last.stage}); run again later`);
  }
}

/**
 * `velodrome status <pr> [--wait]`: follows a PR through validation, queue, run and verdict, from
 * the bot's comments (their JSON twins) read through the GitHub API with the caller's token.
 */
export async function followPr(o: StatusOptions): Promise<PrStatus> {
  const deadline = o.now() + o.timeoutMs;
  let last: PrStatus | undefined;
  const requester =
    o.requester ??
    (await o.api
      .getPull(o.pr)
      .then((p) => p.user.login)
      .catch(() => undefined));
  for (;;) {
    const s = prStatus(o.pr, await o.api.listComments(o.pr), o.botLogin, requester);
    if (s.stage !== last?.stage) o.onChange?.(s);
    last = s;
    if (!o.wait || s.stage === "verdict" || s.stage === "refused") return s;
    if (o.now() >= deadline) throw new StatusTimeout(s);
    await o.sleep(o.pollMs);
  }
}
