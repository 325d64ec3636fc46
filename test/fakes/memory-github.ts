import type { GhComment, GhIssue, GhUser, GitHubApi } from "../../runner/ports.ts";

/** A pull request as the fake keeps it. */
export interface MemoryPull {
  number: number;
  user: GhUser;
  headSha: string;
  headRepo?: string;
  state: "open" | "closed";
  /** The API's created_at (ISO); the ownership rule reads it. */
  createdAt?: string;
  files: { filename: string; status: string; previous_filename?: string }[];
}

/** Every call the flows made, in order, with its arguments. */
export interface MemoryCall {
  method: keyof GitHubApi;
  args: unknown[];
}

export interface MemoryGitHub extends GitHubApi {
  pulls: Map<number, MemoryPull>;
  issues: Map<number, GhIssue>;
  comments: Map<number, GhComment[]>;
  dispatches: { workflow: string; ref: string; inputs: Record<string, string> }[];
  reactions: { commentId: number; content: string }[];
  calls: MemoryCall[];
  /** Adds a comment by someone (not the bot) and returns its id. */
  addComment(issue: number, user: GhUser, body: string): number;
  /** Calls of one method. */
  callsTo(method: keyof GitHubApi): MemoryCall[];
}

/** Comments the bot writes carry the Actions bot account, as on GitHub. */
export const BOT_USER: GhUser = { id: 41898282, login: "github-actions[bot]" };

/** A fixed timestamp: the fake has no clock, so its output is deterministic. */
const STAMP = "2026-01-15T12:00:00Z";

/**
 * The GitHub port in memory, for the fast tier: pull requests, issues and comments in Maps, and a
 * record of every call. Unknown numbers reject with a 404-like error, as Octokit would.
 */
export function memoryGitHub(): MemoryGitHub {
  let nextId = 5000;
  const calls: MemoryCall[] = [];
  const pulls = new Map<number, MemoryPull>();
  const issues = new Map<number, GhIssue>();
  const comments = new Map<number, GhComment[]>();
  const dispatches: MemoryGitHub["dispatches"] = [];
  const reactions: MemoryGitHub["reactions"] = [];
  /** Octokit's RequestError carries the HTTP status; the flows read it (404: gone). */
  const notFound = (message: string) => Object.assign(new Error(message), { status: 404 });
  const record = (method: keyof GitHubApi, ...args: unknown[]) => void calls.push({ method, args });
  const thread = (n: number) => comments.get(n) ?? (comments.set(n, []), comments.get(n)!);
  const pull = (n: number) => {
    const p = pulls.get(n);
    if (!p) throw notFound(`404: no pull request #${n}`);
    return p;
  };
  const add = (n: number, user: GhUser, body: string) => {
    const c = { id: ++nextId, body, user, created_at: STAMP, updated_at: STAMP, reactions: 0 };
    thread(n).push(c);
    return c.id;
  };
  const findComment = (id: number) =>
    [...comments.values()].flat().find((c) => c.id === id) ??
    (() => {
      throw notFound(`404: no comment ${id}`);
    })();
  return {
    pulls,
    issues,
    comments,
    dispatches,
    reactions,
    calls,
    addComment: add,
    callsTo: (method) => calls.filter((c) => c.method === method),
    async listOpenPulls() {
      record("listOpenPulls");
      return [...pulls.values()]
        .filter((p) => p.state === "open")
        .map((p) => ({
          number: p.number,
          headSha: p.headSha,
          headRepo: p.headRepo ?? null,
          ...(p.createdAt ? { createdAt: p.createdAt } : {}),
        }));
    },
    async getPull(n) {
      record("getPull", n);
      const { number, user, headSha, state, createdAt } = pull(n);
      return { number, user, headSha, state, ...(createdAt ? { createdAt } : {}) };
    },
    async listPullFiles(n) {
      record("listPullFiles", n);
      return structuredClone(pull(n).files);
    },
    async listComments(n) {
      record("listComments", n);
      return structuredClone(thread(n));
    },
    async createComment(n, body) {
      record("createComment", n, body);
      return add(n, BOT_USER, body);
    },
    async updateComment(id, body) {
      record("updateComment", id, body);
      findComment(id).body = body;
    },
    async deleteComment(id) {
      record("deleteComment", id);
      findComment(id);
      for (const t of comments.values()) t.splice(0, t.length, ...t.filter((c) => c.id !== id));
    },
    async react(commentId, content) {
      record("react", commentId, content);
      reactions.push({ commentId, content });
    },
    async dispatch(workflow, ref, inputs) {
      record("dispatch", workflow, ref, inputs);
      dispatches.push({ workflow, ref, inputs: { ...inputs } });
    },
    async getIssue(n) {
      record("getIssue", n);
      const i = issues.get(n);
      if (!i) throw notFound(`404: no issue #${n}`);
      return structuredClone(i);
    },
    async listIssues() {
      record("listIssues");
      return [...issues.values()].sort((a, b) => b.number - a.number).map((i) => structuredClone(i));
    },
    async issuesSince(since, page = 1) {
      record("issuesSince", since, page);
      return [...issues.values()]
        .filter((i) => !since || i.updated_at >= since)
        .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.number - b.number)
        .slice((page - 1) * 100, page * 100)
        .map((i) => structuredClone(i));
    },
    async commentsSince(since, page = 1) {
      record("commentsSince", since, page);
      const all = [...comments.entries()].flatMap(([issue, cs]) =>
        cs.map((c) => ({
          ...structuredClone(c),
          issue,
          association: "CONTRIBUTOR",
          userType: c.user?.login.endsWith("[bot]") ? "Bot" : "User",
        })),
      );
      return all
        .filter((c) => !since || c.updated_at >= since)
        .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id)
        .slice((page - 1) * 100, page * 100);
    },
  };
}
