import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * A local stand-in for api.github.com (used by tests and by `velodrome demo`): just the endpoints
 * Velodrome uses, with every request and
 * every response checked against GitHub's official OpenAPI description (@octokit/openapi).
 * Responses start from the description's own examples, patched with this fake's state.
 */
const require = createRequire(import.meta.url);
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { examples: Record<string, { value: unknown }> };
};
type Operation = {
  operationId: string;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<
    string,
    {
      content?: Record<
        string,
        { schema: unknown; examples?: Record<string, { $ref?: string; value?: unknown }> }
      >;
    }
  >;
  parameters?: { name: string; in: string }[];
};

let shared: { doc: Doc; ajv: Ajv; routes: { re: RegExp; template: string; keys: string[] }[] } | undefined;
function spec() {
  if (shared) return shared;
  const doc = structuredClone(require("@octokit/openapi/generated/api.github.com.json")) as Doc;
  // OpenAPI 3.0's `nullable` without a `type` (next to $ref/allOf) is not JSON Schema; say the same thing as anyOf.
  const fix = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(fix);
    if (!node || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    for (const v of Object.values(o)) fix(v);
    if (o.nullable === true && o.type === undefined) {
      const rest = { ...o };
      delete rest.nullable;
      for (const k of Object.keys(o)) delete o[k];
      o.anyOf = [rest, { type: "null" }];
    }
  };
  fix(doc.paths);
  fix(doc.components);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  const addFormats =
    (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addSchema(doc as object, "gh");
  const routes = Object.keys(doc.paths).map((template) => {
    const keys: string[] = [];
    const re = new RegExp(
      "^" + template.replace(/\{(\w+)\}/g, (_m, k: string) => (keys.push(k), "([^/]+)")) + "$",
    );
    return { re, template, keys };
  });
  shared = { doc, ajv, routes };
  return shared;
}

const ptr = (...segs: string[]) =>
  "gh#/" + segs.map((s) => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");
const validators = new Map<string, ValidateFunction>();
function validator(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) validators.set(ref, (v = spec().ajv.compile({ $ref: ref })));
  return v;
}

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

function example(op: Operation, status: string): unknown {
  const content = op.responses[status]?.content?.["application/json"];
  const ex = content?.examples ? Object.values(content.examples)[0] : undefined;
  if (!ex) return undefined;
  if (ex.$ref) return structuredClone(spec().doc.components.examples[ex.$ref.split("/").pop()!]!.value);
  const v = ex.value as { $ref?: string } | undefined;
  if (v && typeof v === "object" && "$ref" in v && v.$ref)
    return structuredClone(spec().doc.components.examples[v.$ref.split("/").pop()!]!.value);
  return structuredClone(ex.value);
}

export async function startFakeGitHub(owner = "velodrome-org", repo = "challenge"): Promise<FakeGitHub> {
  const { doc, routes } = spec();
  const issues = new Map<number, FakeIssue>();
  const dispatches: FakeGitHub["dispatches"] = [];
  const reactions: FakeGitHub["reactions"] = [];
  const requests: FakeGitHub["requests"] = [];
  const violations: string[] = [];
  let nextId = 9000;
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const base = () => `http://127.0.0.1:${port}`;

  const userObj = (template: Record<string, unknown>, u: { id: number; login: string }) => ({
    ...template,
    id: u.id,
    login: u.login,
    node_id: `U_${u.id}`,
    html_url: `https://github.com/${encodeURIComponent(u.login)}`,
    url: `${base()}/users/${encodeURIComponent(u.login)}`,
  });
  const commentObj = (tpl: Record<string, unknown>, n: number, c: FakeComment) => ({
    ...tpl,
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: userObj(tpl.user as Record<string, unknown>, c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    issue_url: `${base()}/repos/${owner}/${repo}/issues/${n}`,
    html_url: `https://github.com/${owner}/${repo}/issues/${n}#issuecomment-${c.id}`,
    url: `${base()}/repos/${owner}/${repo}/issues/comments/${c.id}`,
  });
  const issueObj = (tpl: Record<string, unknown>, i: FakeIssue) => {
    const o: Record<string, unknown> = {
      ...tpl,
      id: i.number * 100,
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      user: userObj(tpl.user as Record<string, unknown>, i.user),
      labels: i.labels.map((name, k) => ({
        id: k + 1,
        node_id: `L_${k}`,
        url: `${base()}/labels/${k}`,
        name,
        color: "ededed",
        default: false,
        description: null,
      })),
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
    else
      o.pull_request = {
        url: `${base()}/repos/${owner}/${repo}/pulls/${i.number}`,
        html_url: `https://github.com/${owner}/${repo}/pull/${i.number}`,
        diff_url: `https://github.com/${owner}/${repo}/pull/${i.number}.diff`,
        patch_url: `https://github.com/${owner}/${repo}/pull/${i.number}.patch`,
        merged_at: null,
      };
    return o;
  };

  function handle(
    method: string,
    template: string,
    params: Record<string, string>,
    body: Record<string, unknown>,
    op: Operation,
  ): [number, unknown] {
    const n = Number(params.issue_number ?? params.pull_number);
    const issue = issues.get(n);
    switch (`${method} ${template}`) {
      case "get /repos/{owner}/{repo}/pulls/{pull_number}": {
        if (!issue?.isPr)
          return [404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }];
        const p = example(op, "200") as Record<string, unknown>;
        return [
          200,
          {
            ...p,
            requested_teams: [],
            number: n,
            state: issue.state,
            title: issue.title,
            body: issue.body,
            user: userObj(p.user as Record<string, unknown>, issue.user),
            head: {
              ...(p.head as object),
              sha: issue.headSha,
              user: userObj((p.head as { user: Record<string, unknown> }).user, issue.user),
            },
          },
        ];
      }
      case "get /repos/{owner}/{repo}/pulls/{pull_number}/files": {
        if (!issue?.isPr) return [404, { message: "Not Found", documentation_url: "" }];
        const tpl = (example(op, "200") as Record<string, unknown>[])[0]!;
        return [
          200,
          (issue.files ?? []).map((f, k) => ({
            ...tpl,
            sha: String(k).padStart(40, "0"),
            filename: f,
            status: "added",
          })),
        ];
      }
      case "get /repos/{owner}/{repo}/issues/{issue_number}/comments": {
        if (!issue) return [404, { message: "Not Found", documentation_url: "" }];
        const tpl = (example(op, "200") as Record<string, unknown>[])[0]!;
        return [200, issue.comments.map((c) => commentObj(tpl, n, c))];
      }
      case "post /repos/{owner}/{repo}/issues/{issue_number}/comments": {
        if (!issue) return [404, { message: "Not Found", documentation_url: "" }];
        const c = fake.addComment(n, { id: 41898282, login: "github-actions[bot]" }, String(body.body));
        return [201, commentObj(example(op, "201") as Record<string, unknown>, n, c)];
      }
      case "patch /repos/{owner}/{repo}/issues/comments/{comment_id}": {
        for (const [num, i] of issues) {
          const c = i.comments.find((x) => x.id === Number(params.comment_id));
          if (c) {
            c.body = String(body.body);
            c.updated_at = now();
            return [200, commentObj(example(op, "200") as Record<string, unknown>, num, c)];
          }
        }
        return [404, { message: "Not Found", documentation_url: "" }];
      }
      case "post /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": {
        reactions.push({ commentId: Number(params.comment_id), content: String(body.content) });
        return [201, { ...(example(op, "201") as object), content: body.content }];
      }
      case "post /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches":
        dispatches.push({
          workflow: params.workflow_id!,
          ref: String(body.ref),
          inputs: (body.inputs ?? {}) as Record<string, string>,
        });
        return [204, undefined];
      case "get /repos/{owner}/{repo}/issues/{issue_number}": {
        if (!issue) return [404, { message: "Not Found", documentation_url: "" }];
        return [200, issueObj(example(op, "200") as Record<string, unknown>, issue)];
      }
      case "get /repos/{owner}/{repo}/issues": {
        const tpl = (example(op, "200") as Record<string, unknown>[])[0]!;
        return [200, [...issues.values()].sort((a, b) => b.number - a.number).map((i) => issueObj(tpl, i))];
      }
    }
    return [
      501,
      { message: `the fake does not implement ${method.toUpperCase()} ${template}`, documentation_url: "" },
    ];
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const method = (req.method ?? "GET").toLowerCase();
      const route = routes.find((r) => r.re.test(url.pathname) && doc.paths[r.template]![method]);
      const reply = (status: number, payload: unknown) => {
        res.writeHead(
          status,
          payload === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
        );
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      if (!route) {
        violations.push(
          `${method.toUpperCase()} ${url.pathname}: no such operation in GitHub's OpenAPI description`,
        );
        return reply(404, { message: "Not Found" });
      }
      const op = doc.paths[route.template]![method]!;
      const m = route.re.exec(url.pathname)!;
      const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
      requests.push({ method: method.toUpperCase(), path: url.pathname, operation: op.operationId });
      for (const q of url.searchParams.keys())
        if (
          !(op.parameters ?? []).some(
            (p) =>
              p.in === "query" &&
              (p.name === q ||
                ("$ref" in p && String((p as { $ref: string }).$ref).endsWith(`/${q.replace("_", "-")}`))),
          )
        ) {
          const known = (op.parameters ?? []).map((p) =>
            "$ref" in p
              ? String((p as { $ref: string }).$ref)
                  .split("/")
                  .pop()
              : p.name,
          );
          if (!known.some((k) => k === q || k === q.replace(/_/g, "-")))
            violations.push(`${op.operationId}: unknown query parameter ${q}`);
        }
      let body: Record<string, unknown> = {};
      if (chunks.length) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          violations.push(`${op.operationId}: request body is not JSON`);
        }
        if (op.requestBody) {
          const v = validator(
            ptr("paths", route.template, method, "requestBody", "content", "application/json", "schema"),
          );
          if (!v(body)) violations.push(`${op.operationId} request: ${spec().ajv.errorsText(v.errors)}`);
        }
      }
      let status: number;
      let payload: unknown;
      try {
        [status, payload] = handle(method, route.template, params, body, op);
      } catch (e) {
        violations.push(`${op.operationId}: the fake failed: ${(e as Error).stack}`);
        [status, payload] = [500, { message: (e as Error).message }];
      }
      if (status === 501) violations.push(String((payload as { message: string }).message));
      const schema = op.responses[String(status)]?.content?.["application/json"]?.schema;
      if (!op.responses[String(status)])
        violations.push(`${op.operationId}: status ${status} is not a documented response`);
      else if (schema && payload !== undefined) {
        try {
          const v = validator(
            ptr(
              "paths",
              route.template,
              method,
              "responses",
              String(status),
              "content",
              "application/json",
              "schema",
            ),
          );
          if (!v(payload))
            violations.push(
              `${op.operationId} response ${status}: ${spec().ajv.errorsText(v.errors).slice(0, 500)}`,
            );
        } catch (e) {
          violations.push(
            `${op.operationId}: could not compile the response schema: ${(e as Error).message}`,
          );
        }
      }
      reply(status, payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const fake: FakeGitHub = {
    url: `http://127.0.0.1:${port}`,
    issues,
    dispatches,
    reactions,
    requests,
    violations,
    addComment(n, user, body) {
      const c: FakeComment = { id: ++nextId, body, user, created_at: now(), updated_at: now() };
      issues.get(n)!.comments.push(c);
      issues.get(n)!.updated_at = c.updated_at;
      return c;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return fake;
}
