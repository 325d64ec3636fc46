import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * GitHub's official OpenAPI description (@octokit/openapi), loaded once, for the local stand-in
 * (local-github.ts): routes, JSON-Schema validators of requests and responses, and the
 * description's own response examples.
 */
const require = createRequire(import.meta.url);
export type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { examples: Record<string, { value: unknown }> };
};
export type Operation = {
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
export function spec() {
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

export const ptr = (...segs: string[]) =>
  "gh#/" + segs.map((s) => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");
const validators = new Map<string, ValidateFunction>();
export function validator(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) validators.set(ref, (v = spec().ajv.compile({ $ref: ref })));
  return v;
}

export function example(op: Operation, status: string): unknown {
  const content = op.responses[status]?.content?.["application/json"];
  const ex = content?.examples ? Object.values(content.examples)[0] : undefined;
  if (!ex) return undefined;
  if (ex.$ref) return structuredClone(spec().doc.components.examples[ex.$ref.split("/").pop()!]!.value);
  const v = ex.value as { $ref?: string } | undefined;
  if (v && typeof v === "object" && "$ref" in v && v.$ref)
    return structuredClone(spec().doc.components.examples[v.$ref.split("/").pop()!]!.value);
  return structuredClone(ex.value);
}

/** A route of the description: its path template and the regular expression that matches it. */
export type Route = { re: RegExp; template: string; keys: string[] };
/** Where a request landed: its route and method, for the validators' JSON pointers. */
export type Target = { route: Route; method: string; op: Operation };

/** The name a query parameter `$ref` points at, else the parameter's own name. */
const paramName = (p: { name: string; in: string }) =>
  "$ref" in p
    ? String((p as { $ref: string }).$ref)
        .split("/")
        .pop()
    : p.name;

/** Query parameters the operation does not declare (GitHub spells some with `-` in `$ref`s). */
export function checkQuery(op: Operation, url: URL, violations: string[]): void {
  const params = op.parameters ?? [];
  for (const q of url.searchParams.keys()) {
    const declared = params.some(
      (p) =>
        p.in === "query" &&
        (p.name === q ||
          ("$ref" in p && String((p as { $ref: string }).$ref).endsWith(`/${q.replace("_", "-")}`))),
    );
    if (declared) continue;
    const known = params.map(paramName);
    if (!known.some((k) => k === q || k === q.replace(/_/g, "-")))
      violations.push(`${op.operationId}: unknown query parameter ${q}`);
  }
}

/** Parses a JSON request body and checks it against the operation's request schema. */
export function checkRequestBody(t: Target, chunks: Buffer[], violations: string[]): Record<string, unknown> {
  if (!chunks.length) return {};
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    violations.push(`${t.op.operationId}: request body is not JSON`);
  }
  if (t.op.requestBody) {
    const at = ["paths", t.route.template, t.method, "requestBody", "content", "application/json", "schema"];
    const v = validator(ptr(...at));
    if (!v(body)) violations.push(`${t.op.operationId} request: ${spec().ajv.errorsText(v.errors)}`);
  }
  return body;
}

/** Checks a response's status is documented and its payload matches the documented schema. */
export function checkResponse(t: Target, status: number, payload: unknown, violations: string[]): void {
  const { op } = t;
  const response = op.responses[String(status)];
  if (!response) {
    violations.push(`${op.operationId}: status ${status} is not a documented response`);
    return;
  }
  if (!response.content?.["application/json"]?.schema || payload === undefined) return;
  const at = ["paths", t.route.template, t.method, "responses", String(status), "content"];
  try {
    const v = validator(ptr(...at, "application/json", "schema"));
    if (!v(payload))
      violations.push(
        `${op.operationId} response ${status}: ${spec().ajv.errorsText(v.errors).slice(0, 500)}`,
      );
  } catch (e) {
    violations.push(`${op.operationId}: could not compile the response schema: ${(e as Error).message}`);
  }
}
