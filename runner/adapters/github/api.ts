import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { GhUser, GhIssue, GitHubApi } from "../../ports.ts";
export type { GhUser, GhComment, GhIssue, GitHubApi } from "../../ports.ts";

const ThrottledOctokit = Octokit.plugin(throttling, retry);

export function octokitApi(o: {
  token: string;
  owner: string;
  repo: string;
  baseUrl?: string;
  retries?: number;
}): GitHubApi {
  const octo = new ThrottledOctokit({
    auth: o.token,
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
    userAgent: "velodrome-bot",
    throttle: {
      onRateLimit: (_after: number, _opts: unknown, _o: unknown, count: number) => count < 2,
      onSecondaryRateLimit: (_after: number, _opts: unknown, _o: unknown, count: number) => count < 1,
    },
    retry: { retries: o.retries ?? 2 },
  });
  const repo = { owner: o.owner, repo: o.repo };
  const user = (u: { id: number; login: string } | null | undefined): GhUser | null =>
    u ? { id: u.id, login: u.login } : null;
  const issue = (i: {
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
  }): GhIssue => ({
    number: i.number,
    title: i.title,
    body: i.body ?? "",
    user: user(i.user),
    state: i.state === "closed" ? "closed" : "open",
    labels: i.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    created_at: i.created_at,
    updated_at: i.updated_at,
    comments: i.comments,
    isPullRequest: Boolean(i.pull_request),
    reactions: i.reactions?.total_count ?? 0,
  });
  return {
    async getPull(n) {
      const { data } = await octo.rest.pulls.get({ ...repo, pull_number: n });
      return { number: data.number, user: user(data.user)!, headSha: data.head.sha, state: data.state };
    },
    async listPullFiles(n) {
      const files = await octo.paginate(octo.rest.pulls.listFiles, {
        ...repo,
        pull_number: n,
        per_page: 100,
      });
      return files.map((f) => ({
        filename: f.filename,
        status: f.status,
        ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
      }));
    },
    async listComments(n) {
      const cs = await octo.paginate(octo.rest.issues.listComments, {
        ...repo,
        issue_number: n,
        per_page: 100,
      });
      return cs.map((c) => ({
        id: c.id,
        body: c.body ?? "",
        user: user(c.user),
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
    async dispatch(workflow, ref, inputs) {
      await octo.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: workflow, ref, inputs });
    },
    async getIssue(n) {
      const { data } = await octo.rest.issues.get({ ...repo, issue_number: n });
      return issue(data as Parameters<typeof issue>[0]);
    },
    async listIssues() {
      const all = await octo.paginate(octo.rest.issues.listForRepo, { ...repo, state: "all", per_page: 100 });
      return all.map((i) => issue(i as Parameters<typeof issue>[0]));
    },
  };
}

/** Finds the bot's comment by its marker and updates it, or creates one. */
export async function upsertComment(
  api: GitHubApi,
  n: number,
  marker: string,
  body: string,
): Promise<number> {
  const existing = (await api.listComments(n)).find((c) => c.body.includes(marker));
  if (existing) {
    await api.updateComment(existing.id, body);
    return existing.id;
  }
  return api.createComment(n, body);
}
