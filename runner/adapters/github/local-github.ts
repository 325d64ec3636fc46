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
  requests: { method: string; path: string; operation: string }[];
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
  addComment(n: number, user: User, body: string): FakeComment;
}

/** One request, as a handler sees it. */
interface HandlerRequest {
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

function listPulls(s: FakeState, { op }: HandlerRequest): Reply {
  const tpl = (example(op, "200") as Json[])[0]!;
  const head = tpl.head as Json & { repo: Json };
  const open = [...s.issues.values()].filter((i) => i.isPr && i.state === "open");
  const pulls = open.map((i) => ({
    ...tpl,
    requested_teams: [], // the description's own example lacks a required field here
    number: i.number,
    state: i.state,
    created_at: i.created_at,
    title: i.title,
    user: userObj(s, tpl.user as Json, i.user),
    head: {
      ...head,
      sha: i.headSha,
      repo: { ...head.repo, full_name: i.headRepo ?? `${s.owner}/${s.repo}` },
    },
  }));
  return [200, pulls];
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

function listIssues(s: FakeState, { op }: HandlerRequest): Reply {
  const tpl = (example(op, "200") as Json[])[0]!;
  const newestFirst = [...s.issues.values()].sort((a, b) => b.number - a.number);
  return [200, newestFirst.map((i) => issueObj(s, tpl, i))];
}

/** The endpoints the fake implements, by `method path-template`. */
const HANDLERS: Record<string, Handler> = {
  "get /repos/{owner}/{repo}/pulls": listPulls,
  "get /repos/{owner}/{repo}/pulls/{pull_number}": getPull,
  "get /repos/{owner}/{repo}/pulls/{pull_number}/files": listPullFiles,
  "get /repos/{owner}/{repo}/issues/{issue_number}/comments": listComments,
  "post /repos/{owner}/{repo}/issues/{issue_number}/comments": createComment,
  "patch /repos/{owner}/{repo}/issues/comments/{comment_id}": updateComment,
  "post /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": react,
  "post /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches": dispatch,
  "get /repos/{owner}/{repo}/issues/{issue_number}": getIssue,
  "get /repos/{owner}/{repo}/issues": listIssues,
};

function handle(s: FakeState, t: Target, params: Record<string, string>, body: Json): Reply {
  const handler = HANDLERS[`${t.method} ${t.route.template}`];
  if (!handler) {
    const what = `${t.method.toUpperCase()} ${t.route.template}`;
    return [501, { message: `the fake does not implement ${what}`, documentation_url: "" }];
  }
  const n = Number(params.issue_number ?? params.pull_number);
  return handler(s, { n, issue: s.issues.get(n), params, body, op: t.op });
}

/** Runs the handler, turning a crash of the fake itself into a 500 and a violation. */
function safeHandle(s: FakeState, t: Target, params: Record<string, string>, body: Json, v: string[]): Reply {
  try {
    const reply = handle(s, t, params, body);
    if (reply[0] === 501) v.push(String((reply[1] as { message: string }).message));
    return reply;
  } catch (e) {
    v.push(`${t.op.operationId}: the fake failed: ${(e as Error).stack}`);
    return [500, { message: (e as Error).message }];
  }
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  const headers = payload === undefined ? {} : { "content-type": "application/json; charset=utf-8" };
  res.writeHead(status, headers);
  res.end(payload === undefined ? undefined : JSON.stringify(payload));
}

/** One HTTP request: route it by the description, check it, answer it, check the answer. */
function serve(s: FakeState, log: FakeGitHub, req: IncomingMessage, res: ServerResponse, chunks: Buffer[]) {
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
  log.requests.push({ method: method.toUpperCase(), path: url.pathname, operation: t.op.operationId });
  checkQuery(t.op, url, log.violations);
  const body = checkRequestBody(t, chunks, log.violations);
  const [status, payload] = safeHandle(s, t, params, body, log.violations);
  checkResponse(t, status, payload, log.violations);
  reply(res, status, payload);
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
  o: { gitRoot?: string } = {},
): Promise<FakeGitHub> {
  spec(); // load and compile the description up front, not on the first request
  let nextId = 9000;
  let port = 0;
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
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
  const state: FakeState = { ...fake, owner, repo, now, base: () => `http://127.0.0.1:${port}` };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () =>
      o.gitRoot && /^\/[^/]+\/[^/]+\.git\//.test(req.url ?? "")
        ? serveGit(o.gitRoot, req, res, chunks)
        : serve(state, fake, req, res, chunks),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
  fake.url = `http://127.0.0.1:${port}`;
  return fake;
}
