import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { ApiBudget, GhComment, GhUser, GhIssue, GhRepoComment, GitHubApi } from "../../ports.ts";
export type { ApiBudget, GhUser, GhComment, GhIssue, GhRepoComment, GitHubApi } from "../../ports.ts";

const ThrottledOctokit = Octokit.plugin(throttling, retry);
type Octo = InstanceType<typeof ThrottledOctokit>;
/** The `{ owner, repo }` every repository endpoint takes. */
type RepoRef = { owner: string; repo: string };

export interface OctokitOptions {
  token: string;
  owner: string;
  repo: string;
  baseUrl?: string;
  retries?: number;
  /**
   * The throttling plugin's wall-clock pacing (one write a second, waits on rate limits); a replay
   * on a simulated clock turns it off, and rate-limit answers then reach the flows at once, as they
   * do here after one short retry.
   */
  pace?: boolean;
}

/** The longest wait for a rate-limit reset worth spending inside a job; longer ones defer the work. */
const MAX_WAIT_S = 60;

/**
 * An Octokit that retries transient errors and waits for a rate limit only briefly (a job must not
 * stall for an hour: work that cannot wait is deferred to the reconciler or the next mirror).
 */
function makeOctokit(o: OctokitOptions): Octo {
  return new ThrottledOctokit({
    auth: o.token,
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
    userAgent: "velodrome-bot",
    throttle: {
      enabled: o.pace !== false,
      onRateLimit: (after: number, _opts: unknown, _o: unknown, count: number) =>
        count < 1 && after <= MAX_WAIT_S,
      onSecondaryRateLimit: (after: number, _opts: unknown, _o: unknown, count: number) =>
        count < 1 && after <= MAX_WAIT_S,
    },
    retry: { retries: o.retries ?? 2 },
  });
}

/** Counts every request the bot sends (by route) and keeps what the rate-limit headers said. */
function countRequests(octo: Octo): () => ApiBudget {
  const budget: ApiBudget = { requests: 0, byRoute: {} };
  const note = (headers: Record<string, unknown> | undefined) => {
    const num = (k: string) => (headers?.[k] === undefined ? undefined : Number(headers[k]));
    const [limit, remaining, reset] = [
      num("x-ratelimit-limit"),
      num("x-ratelimit-remaining"),
      num("x-ratelimit-reset"),
    ];
    if (limit !== undefined && Number.isFinite(limit)) budget.limit = limit;
    if (remaining !== undefined && Number.isFinite(remaining)) budget.remaining = remaining;
    if (reset !== undefined && Number.isFinite(reset)) budget.resetAt = reset * 1000;
  };
  octo.hook.wrap("request", async (request, options) => {
    // The route without host, query, owner, repo or numbers: one key per endpoint.
    const path = new URL(String(options.url), "http://api").pathname
      .replace(/^\/repos\/[^/]+\/[^/]+/, "/repos/{owner}/{repo}")
      .replace(/\/\d+(?=\/|$)/g, "/{n}");
    const route = `${String(options.method)} ${path}`;
    budget.requests++;
    budget.byRoute[route] = (budget.byRoute[route] ?? 0) + 1;
    try {
      const response = await request(options);
      note(response.headers as Record<string, unknown>);
      return response;
    } catch (e) {
      note((e as { response?: { headers?: Record<string, unknown> } }).response?.headers);
      throw e;
    }
  });
  return () => structuredClone(budget);
}

const userOf = (u: { id: number; login: string } | null | undefined): GhUser | null =>
  u ? { id: u.id, login: u.login } : null;

/** The fields of GitHub's issue object the port keeps. */
interface RawIssue {
  number: number;
  title: string;
  body?: string | null;
  user: { id: number; login: string } | null;
  state: string;
  labels: (string | { name?: string })[];
  created_at: string;
  updated_at: string;
  comments: number;
  pull_request?: unknown;
  reactions?: { total_count: number };
}

function issueOf(i: RawIssue): GhIssue {
  return {
    number: i.number,
    title: i.title,
    body: i.body ?? "",
    user: userOf(i.user),
    state: i.state === "closed" ? "closed" : "open",
    labels: i.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    created_at: i.created_at,
    updated_at: i.updated_at,
    comments: i.comments,
    isPullRequest: Boolean(i.pull_request),
    reactions: i.reactions?.total_count ?? 0,
  };
}

function pullMethods(
  octo: Octo,
  repo: RepoRef,
): Pick<
  GitHubApi,
  "getPull" | "listPullFiles" | "listOpenPulls" | "pullsForCommit" | "openPullsUpdatedSince"
> {
  return {
    async pullsForCommit(sha) {
      const request = { ...repo, commit_sha: sha, per_page: 100 };
      const { data } = await octo.rest.repos.listPullRequestsAssociatedWithCommit(request);
      return data.map((p) => ({
        number: p.number,
        headSha: p.head.sha,
        headRepo: p.head.repo?.full_name ?? null,
        state: p.state,
        createdAt: p.created_at,
      }));
    },
    async listOpenPulls(o = {}) {
      // Oldest first, so a reader that needs only the PRs created up to a time stops paging there.
      const request = {
        ...repo,
        state: "open" as const,
        sort: "created" as const,
        direction: "asc" as const,
      };
      const upTo = o.createdUpTo === undefined ? Infinity : Date.parse(o.createdUpTo);
      const pulls = await octo.paginate(octo.rest.pulls.list, { ...request, per_page: 100 }, (r, done) => {
        if (r.data.some((p) => Date.parse(p.created_at) > upTo)) done();
        return r.data;
      });
      return pulls.map((p) => ({
        number: p.number,
        headSha: p.head.sha,
        headRepo: p.head.repo?.full_name ?? null,
        createdAt: p.created_at,
      }));
    },
    async openPullsUpdatedSince(since) {
      const request = {
        ...repo,
        state: "open" as const,
        sort: "updated" as const,
        direction: "desc" as const,
      };
      const { data } = await octo.rest.pulls.list({ ...request, per_page: 100 });
      const pulls = data
        .filter((p) => Date.parse(p.updated_at) >= Date.parse(since))
        .map((p) => ({
          number: p.number,
          headSha: p.head.sha,
          createdAt: p.created_at,
          updatedAt: p.updated_at,
          user: userOf(p.user),
        }));
      return { pulls, more: pulls.length === data.length && data.length === 100 };
    },
    async getPull(n) {
      const { data } = await octo.rest.pulls.get({ ...repo, pull_number: n });
      const { number, head, state, created_at } = data;
      return { number, user: userOf(data.user)!, headSha: head.sha, state, createdAt: created_at };
    },
    async listPullFiles(n) {
      const request = { ...repo, pull_number: n, per_page: 100 };
      const files = await octo.paginate(octo.rest.pulls.listFiles, request);
      return files.map((f) => ({
        filename: f.filename,
        status: f.status,
        ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
      }));
    },
  };
}

/** The fields of GitHub's issue comment object the port keeps (a thread's and the repository feed's alike). */
interface RawComment {
  id: number;
  body?: string;
  user: { id: number; login: string; type?: string } | null;
  created_at: string;
  updated_at: string;
  reactions?: { total_count: number };
}

function commentOf(c: RawComment): GhComment {
  return {
    id: c.id,
    body: c.body ?? "",
    user: userOf(c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    reactions: c.reactions?.total_count ?? 0,
  };
}

type CommentMethods = "listComments" | "createComment" | "updateComment" | "deleteComment" | "react";

function commentMethods(octo: Octo, repo: RepoRef): Pick<GitHubApi, CommentMethods> {
  return {
    async listComments(n) {
      const request = { ...repo, issue_number: n, per_page: 100 };
      const cs = await octo.paginate(octo.rest.issues.listComments, request);
      return cs.map(commentOf);
    },
    async createComment(n, body) {
      const { data } = await octo.rest.issues.createComment({ ...repo, issue_number: n, body });
      return data.id;
    },
    async updateComment(id, body) {
      await octo.rest.issues.updateComment({ ...repo, comment_id: id, body });
    },
    async deleteComment(id) {
      await octo.rest.issues.deleteComment({ ...repo, comment_id: id });
    },
    async react(commentId, content) {
      await octo.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
    },
  };
}

/** The fields of GitHub's repository-wide comment object the port keeps: a comment and where it is. */
interface RawRepoComment extends RawComment {
  issue_url: string;
  author_association: string;
}

function repoCommentOf(c: RawRepoComment): GhRepoComment {
  return {
    ...commentOf(c),
    issue: Number(c.issue_url.split("/").pop()),
    association: c.author_association,
    userType: c.user?.type ?? "User",
  };
}

/** The change feeds: one page of 100 each, oldest update first, updated at or after `since`. */
function feedMethods(octo: Octo, repo: RepoRef): Pick<GitHubApi, "issuesSince" | "commentsSince"> {
  const feed = { sort: "updated" as const, direction: "asc" as const, per_page: 100 };
  return {
    async issuesSince(since, page = 1) {
      const request = { ...repo, ...feed, page, state: "all" as const, ...(since ? { since } : {}) };
      const { data } = await octo.rest.issues.listForRepo(request);
      return data.map((i) => issueOf(i as RawIssue));
    },
    async commentsSince(since, page = 1) {
      const { data } = await octo.rest.issues.listCommentsForRepo({
        ...repo,
        ...feed,
        page,
        ...(since ? { since } : {}),
      });
      return data.map((c) => repoCommentOf(c as RawRepoComment));
    },
  };
}

function issueMethods(octo: Octo, repo: RepoRef): Pick<GitHubApi, "getIssue" | "listIssues" | "dispatch"> {
  return {
    async getIssue(n) {
      const { data } = await octo.rest.issues.get({ ...repo, issue_number: n });
      return issueOf(data as RawIssue);
    },
    async listIssues() {
      const all = await octo.paginate(octo.rest.issues.listForRepo, { ...repo, state: "all", per_page: 100 });
      return all.map((i) => issueOf(i as RawIssue));
    },
    async dispatch(workflow, ref, inputs) {
      await octo.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: workflow, ref, inputs });
    },
  };
}

/** The GitHub port over Octokit (REST, paginated); tests point `baseUrl` at a fake server. */
export function octokitApi(o: OctokitOptions): GitHubApi {
  const octo = makeOctokit(o);
  const budget = countRequests(octo);
  const repo = { owner: o.owner, repo: o.repo };
  return {
    ...pullMethods(octo, repo),
    ...commentMethods(octo, repo),
    ...issueMethods(octo, repo),
    ...feedMethods(octo, repo),
    budget,
  };
}
