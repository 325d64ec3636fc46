import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  checkQuery,
  checkRequestBody,
  checkResponse,
  example,
  spec,
  type Operation,
  type Target,
} from "./local-github-spec.ts";
import { pageOf, rateLimiter, type RateLimiter, type RateLimits } from "./local-github-limits.ts";

/**
 * A local stand-in for api.github.com (used by tests and by `velodrome demo`): just the endpoints
 * Velodrome uses, with every request and every response checked against GitHub's official OpenAPI
 * description (@octokit/openapi, see local-github-spec.ts). Responses start from the description's
 * own examples, patched with this fake's state.
 */

export interface FakeComment {
  id: number;
  body: string;
  user: { id: number; login: string };
  created_at: string;
  updated_at: string;
}
export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  user: { id: number; login: string };
  labels: string[];
  state: "open" | "closed";
  isPr: boolean;
  headSha?: string;
  /** The repository the PR's head lives in (`owner/name`; a fork's), default this repository. */
  headRepo?: string;
  files?: string[];
  comments: FakeComment[];
  created_at: string;
  updated_at: string;
}

export interface FakeGitHub {
  url: string;
  issues: Map<number, FakeIssue>;
  dispatches: { workflow: string; ref: string; inputs: Record<string, string> }[];
  reactions: { commentId: number; content: string }[];
  /** Every request: when (the fake's clock), what, and whether a rate limit refused it. */
  requests: { method: string; path: string; operation: string; at: number; limited?: boolean }[];
  violations: string[];
  addComment(n: number, user: { id: number; login: string }, body: string): FakeComment;
  close(): Promise<void>;
}

type User = { id: number; login: string };
type Json = Record<string, unknown>;
type Reply = [status: number, payload: unknown];

/** The fake's state and what its JSON builders need to spell URLs. */
interface FakeState {
  owner: string;
  repo: string;
  base(): string;
  issues: Map<number, FakeIssue>;
  dispatches: FakeGitHub["dispatches"];
  reactions: FakeGitHub["reactions"];
  now(): string;
  clock(): number;
  addComment(n: number, user: User, body: string): FakeComment;
}

/** One request, as a handler sees it. */
interface HandlerRequest {
  url: URL;
  n: number;
  issue: FakeIssue | undefined;
  params: Record<string, string>;
  body: Json;
  op: Operation;
}
type Handler = (s: FakeState, r: HandlerRequest) => Reply;

const NOT_FOUND: Reply = [404, { message: "Not Found", documentation_url: "" }];

function userObj(s: FakeState, template: Json, u: User): Json {
  return {
    ...template,
    id: u.id,
    login: u.login,
    node_id: `U_${u.id}`,
    html_url: `https://github.com/${encodeURIComponent(u.login)}`,
    url: `${s.base()}/users/${encodeURIComponent(u.login)}`,
  };
}

function commentObj(s: FakeState, tpl: Json, n: number, c: FakeComment): Json {
  const { owner, repo } = s;
  return {
    ...tpl,
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: userObj(s, tpl.user as Json, c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    issue_url: `${s.base()}/repos/${owner}/${repo}/issues/${n}`,
    html_url: `https://github.com/${owner}/${repo}/issues/${n}#issuecomment-${c.id}`,
    url: `${s.base()}/repos/${owner}/${repo}/issues/comments/${c.id}`,
  };
}

function labelObjs(s: FakeState, labels: string[]): Json[] {
  return labels.map((name, k) => ({
    id: k + 1,
    node_id: `L_${k}`,
    url: `${s.base()}/labels/${k}`,
    name,
    color: "ededed",
    default: false,
    description: null,
  }));
}

/** The `pull_request` link object GitHub puts on issues that are PRs. */
function pullLinks(s: FakeState, n: number): Json {
  const web = `https://github.com/${s.owner}/${s.repo}/pull/${n}`;
  return {
    url: `${s.base()}/repos/${s.owner}/${s.repo}/pulls/${n}`,
    html_url: web,
    diff_url: `${web}.diff`,
    patch_url: `${web}.patch`,
    merged_at: null,
  };
}

function issueObj(s: FakeState, tpl: Json, i: FakeIssue): Json {
  const o: Json = {
    ...tpl,
    id: i.number * 100,
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    user: userObj(s, tpl.user as Json, i.user),
    labels: labelObjs(s, i.labels),
    comments: i.comments.length,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.state === "closed" ? i.updated_at : null,
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
  };
  if (!i.isPr) delete o.pull_request;
  else o.pull_request = pullLinks(s, i.number);
  return o;
}

function getPull(s: FakeState, { n, issue, op }: HandlerRequest): Reply {
  if (!issue?.isPr) return [404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }];
  const p = example(op, "200") as Json;
  const head = p.head as { user: Json };
  return [
    200,
    {
      ...p,
      requested_teams: [],
      number: n,
      state: issue.state,
      created_at: issue.created_at,
      title: issue.title,
      body: issue.body,
      user: userObj(s, p.user as Json, issue.user),
      head: { ...head, sha: issue.headSha, user: userObj(s, head.user, issue.user) },
    },
  ];
}

/** Pull requests as the pulls list shows them (the description's own example, patched). */
function pullListItems(s: FakeState, op: Operation, issues: FakeIssue[]): Json[] {
  const tpl = (example(op, "200") as Json[])[0]!;
  const head = tpl.head as Json & { repo: Json };
  return issues.map((i) => ({
    ...tpl,
    requested_teams: [], // the description's own example lacks a required field here
    number: i.number,
    state: i.state,
    created_at: i.created_at,
    updated_at: i.updated_at,
    title: i.title,
    user: userObj(s, tpl.user as Json, i.user),
    head: {
      ...head,
      sha: i.headSha,
      repo: { ...head.repo, full_name: i.headRepo ?? `${s.owner}/${s.repo}` },
    },
  }));
}

/** Open pull requests, by creation (default) or last update, newest first unless `direction=asc`, as GitHub orders them. */
function listPulls(s: FakeState, { op, url }: HandlerRequest): Reply {
  const open = [...s.issues.values()].filter((i) => i.isPr && i.state === "open");
  const key = url.searchParams.get("sort") === "updated" ? "updated_at" : "created_at";
  const sign = url.searchParams.get("direction") === "asc" ? 1 : -1;
  open.sort((a, b) => sign * (a[key].localeCompare(b[key]) || a.number - b.number));
  return [200, pullListItems(s, op, open)];
}

/** The pull requests whose head is a commit (open ones here: the stand-in keeps no merges). */
function pullsForCommit(s: FakeState, { op, params }: HandlerRequest): Reply {
  const hits = [...s.issues.values()].filter((i) => i.isPr && i.headSha === params.commit_sha);
  return [200, pullListItems(s, op, hits)];
}

function listPullFiles(_s: FakeState, { issue, op }: HandlerRequest): Reply {
  if (!issue?.isPr) return NOT_FOUND;
  const tpl = (example(op, "200") as Json[])[0]!;
  const files = (issue.files ?? []).map((f, k) => ({
    ...tpl,
    sha: String(k).padStart(40, "0"),
    filename: f,
    status: "added",
  }));
  return [200, files];
}

function listComments(s: FakeState, { n, issue, op }: HandlerRequest): Reply {
  if (!issue) return NOT_FOUND;
  const tpl = (example(op, "200") as Json[])[0]!;
  return [200, issue.comments.map((c) => commentObj(s, tpl, n, c))];
}

/** Comments the bot posts are authored by the Actions bot account, as on GitHub. */
const ACTIONS_BOT: User = { id: 41898282, login: "github-actions[bot]" };

function createComment(s: FakeState, { n, issue, body, op }: HandlerRequest): Reply {
  if (!issue) return NOT_FOUND;
  const c = s.addComment(n, ACTIONS_BOT, String(body.body));
  return [201, commentObj(s, example(op, "201") as Json, n, c)];
}

function updateComment(s: FakeState, { params, body, op }: HandlerRequest): Reply {
  for (const [num, i] of s.issues) {
    const c = i.comments.find((x) => x.id === Number(params.comment_id));
    if (!c) continue;
    c.body = String(body.body);
    c.updated_at = s.now();
    return [200, commentObj(s, example(op, "200") as Json, num, c)];
  }
  return NOT_FOUND;
}

function deleteComment(s: FakeState, { params }: HandlerRequest): Reply {
  for (const i of s.issues.values()) {
    const at = i.comments.findIndex((x) => x.id === Number(params.comment_id));
    if (at < 0) continue;
    i.comments.splice(at, 1);
    return [204, undefined];
  }
  return NOT_FOUND;
}

function react(s: FakeState, { params, body, op }: HandlerRequest): Reply {
  s.reactions.push({ commentId: Number(params.comment_id), content: String(body.content) });
  return [201, { ...(example(op, "201") as object), content: body.content }];
}

function dispatch(s: FakeState, { params, body }: HandlerRequest): Reply {
  const inputs = (body.inputs ?? {}) as Record<string, string>;
  s.dispatches.push({ workflow: params.workflow_id!, ref: String(body.ref), inputs });
  return [204, undefined];
}

function getIssue(s: FakeState, { issue, op }: HandlerRequest): Reply {
  if (!issue) return NOT_FOUND;
  return [200, issueObj(s, example(op, "200") as Json, issue)];
}

/**
 * A list filtered by `since` (updated at or after) and ordered by `sort` (created, default, or
 * updated) and `direction` (desc by default), as GitHub's issues and comments lists are.
 */
function feed<T extends { created_at: string; updated_at: string }>(
  all: T[],
  url: URL,
  tie: (x: T) => number,
): T[] {
  const since = url.searchParams.get("since");
  const key = url.searchParams.get("sort") === "updated" ? "updated_at" : "created_at";
  const sign = url.searchParams.get("direction") === "asc" ? 1 : -1;
  return all
    .filter((x) => !since || Date.parse(x.updated_at) >= Date.parse(since))
    .sort((a, b) => sign * (a[key].localeCompare(b[key]) || tie(a) - tie(b)));
}

function listIssues(s: FakeState, { op, url }: HandlerRequest): Reply {
  const tpl = (example(op, "200") as Json[])[0]!;
  const state = url.searchParams.get("state") ?? "open";
  const listed = [...s.issues.values()].filter((i) => state === "all" || i.state === state);
  return [200, feed(listed, url, (i) => i.number).map((i) => issueObj(s, tpl, i))];
}

/** The repository-wide comments feed (every issue and pull request's comments). */
function listRepoComments(s: FakeState, { op, url }: HandlerRequest): Reply {
  const tpl = (example(op, "200") as Json[])[0]!;
  const all = [...s.issues.values()].flatMap((i) => i.comments.map((c) => ({ ...c, n: i.number })));
  // GitHub orders this feed ascending unless asked otherwise.
  if (!url.searchParams.has("direction")) url.searchParams.set("direction", "asc");
  return [200, feed(all, url, (c) => c.id).map((c) => commentObj(s, tpl, c.n, c))];
}

/** The endpoints the fake implements, by `method path-template`. */
const HANDLERS: Record<string, Handler> = {
  "get /repos/{owner}/{repo}/pulls": listPulls,
  "get /repos/{owner}/{repo}/commits/{commit_sha}/pulls": pullsForCommit,
  "get /repos/{owner}/{repo}/pulls/{pull_number}": getPull,
  "get /repos/{owner}/{repo}/pulls/{pull_number}/files": listPullFiles,
  "get /repos/{owner}/{repo}/issues/{issue_number}/comments": listComments,
  "post /repos/{owner}/{repo}/issues/{issue_number}/comments": createComment,
  "patch /repos/{owner}/{repo}/issues/comments/{comment_id}": updateComment,
  "delete /repos/{owner}/{repo}/issues/comments/{comment_id}": deleteComment,
  "post /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": react,
  "post /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches": dispatch,
  "get /repos/{owner}/{repo}/issues/{issue_number}": getIssue,
  "get /repos/{owner}/{repo}/issues": listIssues,
  "get /repos/{owner}/{repo}/issues/comments": listRepoComments,
};

function handle(s: FakeState, t: Target, params: Record<string, string>, body: Json, url: URL): Reply {
  const handler = HANDLERS[`${t.method} ${t.route.template}`];
  if (!handler) {
    const what = `${t.method.toUpperCase()} ${t.route.template}`;
    return [501, { message: `the fake does not implement ${what}`, documentation_url: "" }];
  }
  const n = Number(params.issue_number ?? params.pull_number);
  return handler(s, { url, n, issue: s.issues.get(n), params, body, op: t.op });
}

/** Runs the handler, turning a crash of the fake itself into a 500 and a violation. */
function safeHandle(
  s: FakeState,
  t: Target,
  params: Record<string, string>,
  body: Json,
  v: string[],
  url: URL,
): Reply {
  try {
    const reply = handle(s, t, params, body, url);
    if (reply[0] === 501) v.push(String((reply[1] as { message: string }).message));
    return reply;
  } catch (e) {
    v.push(`${t.op.operationId}: the fake failed: ${(e as Error).stack}`);
    return [500, { message: (e as Error).message }];
  }
}

function reply(
  res: ServerResponse,
  status: number,
  payload: unknown,
  extra: Record<string, string> = {},
): void {
  const headers =
    payload === undefined ? extra : { ...extra, "content-type": "application/json; charset=utf-8" };
  res.writeHead(status, headers);
  res.end(payload === undefined ? undefined : JSON.stringify(payload));
}

/** Whether the operation is a paged list (takes `page`): its answer is sliced as GitHub pages it. */
const paged = (op: Operation) =>
  (op.parameters ?? []).some((p) => ("$ref" in p ? String(p.$ref).endsWith("/page") : p.name === "page"));

/**
 * One HTTP request: route it by the description, apply the rate limits, check it, answer it (one
 * page of a list, with its `Link`), check the answer. Rate-limit refusals are GitHub-wide answers,
 * not an operation's documented ones, so they are not checked against the operation.
 */
function serve(
  s: FakeState,
  log: FakeGitHub,
  limiter: RateLimiter | undefined,
  checked: (operation: string) => boolean,
  req: IncomingMessage,
  res: ServerResponse,
  chunks: Buffer[],
) {
  const { doc, routes } = spec();
  const url = new URL(req.url ?? "/", "http://x");
  const method = (req.method ?? "GET").toLowerCase();
  const route = routes.find((r) => r.re.test(url.pathname) && doc.paths[r.template]![method]);
  if (!route) {
    const where = `${method.toUpperCase()} ${url.pathname}`;
    log.violations.push(`${where}: no such operation in GitHub's OpenAPI description`);
    return reply(res, 404, { message: "Not Found" });
  }
  const t: Target = { route, method, op: doc.paths[route.template]![method]! };
  const m = route.re.exec(url.pathname)!;
  const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
  const entry = {
    method: method.toUpperCase(),
    path: url.pathname,
    operation: t.op.operationId,
    at: s.clock(),
  };
  log.requests.push(entry);
  const admission = limiter?.admit(method, url.pathname);
  if (admission && !admission.ok) {
    Object.assign(entry, { limited: true });
    const doc = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";
    return reply(
      res,
      admission.status,
      { message: admission.message, documentation_url: doc },
      admission.headers,
    );
  }
  checkQuery(t.op, url, log.violations);
  const body = checkRequestBody(t, chunks, log.violations);
  const [status, full] = safeHandle(s, t, params, body, log.violations, url);
  const page = status === 200 && Array.isArray(full) && paged(t.op) ? pageOf(full, url, s.base()) : undefined;
  const payload = page ? page.items : full;
  if (checked(t.op.operationId)) checkResponse(t, status, payload, log.violations);
  reply(res, status, payload, { ...admission?.headers, ...(page?.link ? { link: page.link } : {}) });
}

/** How the fake keeps time and which of GitHub's limits it applies (none by default). */
export interface FakeOptions {
  /** Milliseconds since the epoch: a replay's simulated clock; the wall clock by default. */
  clock?: () => number;
  limits?: RateLimits;
  /**
   * How many responses of each operation are checked against the description (all by default):
   * a week-long replay checks each operation's first ones, as requests are always checked.
   */
  responseChecks?: number;
}

/**
 * git's smart HTTP protocol for `/<owner>/<repo>.git/...` under `gitRoot` (bare repositories), as
 * github.com serves clones and pushes at GITHUB_SERVER_URL: git's own `git http-backend` CGI, not a
 * hand-written protocol. Any credentials are accepted (the workflows send `x-access-token:<token>`).
 */
function serveGit(gitRoot: string, req: IncomingMessage, res: ServerResponse, chunks: Buffer[]): void {
  const url = new URL(req.url ?? "/", "http://x");
  const cgi = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: gitRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_0: "http.receivepack",
      GIT_CONFIG_VALUE_0: "true",
      GIT_CONFIG_KEY_1: "uploadpack.allowAnySHA1InWant",
      GIT_CONFIG_VALUE_1: "true",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      CONTENT_LENGTH: String(Buffer.concat(chunks).length),
      REMOTE_USER: "x-access-token",
      REMOTE_ADDR: "127.0.0.1",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
    },
  });
  cgi.stdin.on("error", () => undefined); // the backend may answer (an error) before reading it all
  cgi.stdin.end(Buffer.concat(chunks));
  const out: Buffer[] = [];
  cgi.stdout.on("data", (c: Buffer) => out.push(c));
  cgi.on("close", () => {
    const all = Buffer.concat(out);
    const cut = all.indexOf("\r\n\r\n");
    const head = all.subarray(0, cut).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head) {
      const [k, ...v] = line.split(":");
      if (k!.toLowerCase() === "status") status = Number(v.join(":").trim().split(" ")[0]);
      else if (k) headers[k] = v.join(":").trim();
    }
    res.writeHead(status, headers);
    res.end(all.subarray(cut + 4));
  });
}

/** Starts the fake on a free loopback port; with `gitRoot`, it also serves the bare repositories there. */
export async function startFakeGitHub(
  owner = "velodrome-org",
  repo = "challenge",
  o: FakeOptions & { gitRoot?: string } = {},
): Promise<FakeGitHub> {
  spec(); // load and compile the description up front, not on the first request
  let nextId = 9000;
  let port = 0;
  const clock = o.clock ?? Date.now;
  const limiter = o.limits ? rateLimiter(o.limits, clock) : undefined;
  const checks = new Map<string, number>();
  const checked = (operation: string) => {
    checks.set(operation, (checks.get(operation) ?? 0) + 1);
    return o.responseChecks === undefined || checks.get(operation)! <= o.responseChecks;
  };
  const now = () => new Date(clock()).toISOString().replace(/\.\d+Z$/, "Z");
  const issues = new Map<number, FakeIssue>();
  const addComment = (n: number, user: User, body: string): FakeComment => {
    const c: FakeComment = { id: ++nextId, body, user, created_at: now(), updated_at: now() };
    issues.get(n)!.comments.push(c);
    issues.get(n)!.updated_at = c.updated_at;
    return c;
  };
  const fake: FakeGitHub = {
    url: "",
    issues,
    dispatches: [],
    reactions: [],
    requests: [],
    violations: [],
    addComment,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const state: FakeState = { ...fake, owner, repo, now, clock, base: () => `http://127.0.0.1:${port}` };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () =>
      o.gitRoot && /^\/[^/]+\/[^/]+\.git\//.test(req.url ?? "")
        ? serveGit(o.gitRoot, req, res, chunks)
        : serve(state, fake, limiter, checked, req, res, chunks),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
  fake.url = `http://127.0.0.1:${port}`;
  return fake;
}
