import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { GhUser, GhIssue, GitHubApi } from "../../ports.ts";
export type { GhUser, GhComment, GhIssue, GitHubApi } from "../../ports.ts";

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
}

/** An Octokit that retries transient errors and gives up quickly on rate limits (a bot must not stall). */
function makeOctokit(o: OctokitOptions): Octo {
  return new ThrottledOctokit({
    auth: o.token,
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
    userAgent: "velodrome-bot",
    throttle: {
      onRateLimit: (_after: number, _opts: unknown, _o: unknown, count: number) => count < 2,
      onSecondaryRateLimit: (_after: number, _opts: unknown, _o: unknown, count: number) => count < 1,
    },
    retry: { retries: o.retries ?? 2 },
  });
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
): Pick<GitHubApi, "getPull" | "listPullFiles" | "listOpenPulls"> {
  return {
    async listOpenPulls() {
      const request = { ...repo, state: "open" as const, per_page: 100 };
      const pulls = await octo.paginate(octo.rest.pulls.list, request);
      return pulls.map((p) => ({
        number: p.number,
        headSha: p.head.sha,
        headRepo: p.head.repo?.full_name ?? null,
        createdAt: p.created_at,
      }));
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

type CommentMethods = "listComments" | "createComment" | "updateComment" | "react";

function commentMethods(octo: Octo, repo: RepoRef): Pick<GitHubApi, CommentMethods> {
  return {
    async listComments(n) {
      const request = { ...repo, issue_number: n, per_page: 100 };
      const cs = await octo.paginate(octo.rest.issues.listComments, request);
      return cs.map((c) => ({
        id: c.id,
        body: c.body ?? "",
        user: userOf(c.user),
        created_at: c.created_at,
        updated_at: c.updated_at,
        reactions: c.reactions?.total_count ?? 0,
      }));
    },
    async createComment(n, body) {
      const { data } = await octo.rest.issues.createComment({ ...repo, issue_number: n, body });
      return data.id;
    },
    async updateComment(id, body) {
      await octo.rest.issues.updateComment({ ...repo, comment_id: id, body });
    },
    async react(commentId, content) {
      await octo.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
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
  const repo = { owner: o.owner, repo: o.repo };
  return { ...pullMethods(octo, repo), ...commentMethods(octo, repo), ...issueMethods(octo, repo) };
}
