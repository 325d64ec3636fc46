import { request } from "node:http";
import { performance } from "node:perf_hooks";
import { CompletionRequest, CompletionResponse, ModelsResponse, StreamChunk, VersionResponse } from "../../core/protocol/openai.ts";

/** Where an engine listens: a Unix socket (sandboxed engines) or a loopback TCP port (vLLM). */
export type Endpoint = { unix: string } | { host: string; port: number };

export class EngineError extends Error {
  constructor(message: string, readonly kind: "http" | "protocol" | "stream-cut" | "timeout" | "connect") {
    super(message);
  }
}

/** What the trusted client measured for one streamed request. Times are ms from performance.now(). */
export interface StreamMeasurement {
  tokens: number[];
  promptTokenIds: number[] | undefined;
  start: number;
  firstTokenAt: number;
  lastTokenAt: number;
  end: number;
  /** Time between consecutive token-carrying chunks (one chunk may carry several tokens). */
  interChunkMs: number[];
  chunks: number;
  serverReportedTokens?: number;
}

export function decodeTps(m: StreamMeasurement): number {
  const dt = (m.lastTokenAt - m.firstTokenAt) / 1000;
  return m.tokens.length > 1 && dt > 0 ? (m.tokens.length - 1) / dt : NaN;
}

function baseOptions(ep: Endpoint, method: string, path: string) {
  return "unix" in ep ? { socketPath: ep.unix, method, path } : { host: ep.host, port: ep.port, method, path };
}

export function getJson(ep: Endpoint, path: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...baseOptions(ep, "GET", path), timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new EngineError(`GET ${path} timed out`, "timeout")));
    req.on("error", (e) => reject(e instanceof EngineError ? e : new EngineError(`GET ${path}: ${e.message}`, "connect")));
    req.end();
  });
}

function post(ep: Endpoint, body: CompletionRequest, timeoutMs: number, onData: (chunk: string, at: number) => void): Promise<{ status: number; body: string }> {
  // The contract: never send what vLLM would not accept.
  const checked = CompletionRequest.parse(body);
  const payload = JSON.stringify(checked);
  return new Promise((resolve, reject) => {
    const req = request({ ...baseOptions(ep, "POST", "/v1/completions"), headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        const at = performance.now();
        if (res.statusCode === 200) onData(c, at);
        else text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("aborted", () => reject(new EngineError("the engine closed the connection mid-response", "stream-cut")));
      res.on("error", (e) => reject(new EngineError(`response error: ${e.message}`, "stream-cut")));
    });
    const timer = setTimeout(() => req.destroy(new EngineError(`request timed out after ${timeoutMs} ms`, "timeout")), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", (e) => reject(e instanceof EngineError ? e : new EngineError(`POST /v1/completions: ${e.message}`, (e as NodeJS.ErrnoException).code === "ECONNRESET" ? "stream-cut" : "connect")));
    req.end(payload);
  });
}

/** Streams one greedy completion and timestamps every chunk as it arrives. Tokens are counted here, from token_ids. */
export async function streamCompletion(ep: Endpoint, body: CompletionRequest, timeoutMs = 120_000): Promise<StreamMeasurement> {
  if (!body.stream) throw new Error("streamCompletion needs stream: true");
  const m: StreamMeasurement = { tokens: [], promptTokenIds: undefined, start: 0, firstTokenAt: NaN, lastTokenAt: NaN, end: NaN, interChunkMs: [], chunks: 0 };
  let buffer = "";
  let done = false;
  let prevAt = NaN;
  const handleEvent = (data: string, at: number) => {
    if (data === "[DONE]") {
      done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new EngineError(`malformed SSE data: ${data.slice(0, 120)}`, "protocol");
    }
    const chunk = StreamChunk.safeParse(json);
    if (!chunk.success) throw new EngineError(`stream chunk does not match vLLM's shape: ${chunk.error.issues[0]?.message} at ${chunk.error.issues[0]?.path.join(".")}`, "protocol");
    if (chunk.data.usage) m.serverReportedTokens = chunk.data.usage.completion_tokens;
    for (const c of chunk.data.choices) {
      if (c.prompt_token_ids) m.promptTokenIds = c.prompt_token_ids;
      const ids = c.token_ids ?? [];
      if (!ids.length) continue;
      if (Number.isNaN(m.firstTokenAt)) m.firstTokenAt = at;
      else m.interChunkMs.push(at - prevAt);
      prevAt = at;
      m.lastTokenAt = at;
      m.tokens.push(...ids);
      m.chunks++;
    }
  };
  m.start = performance.now();
  let failure: unknown;
  const res = await post(ep, body, timeoutMs, (text, at) => {
    if (failure) return;
    buffer += text;
    let idx: number;
    try {
      while ((idx = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        for (const line of event.split("\n")) if (line.startsWith("data: ")) handleEvent(line.slice(6), at);
      }
    } catch (e) {
      failure = e;
    }
  });
  m.end = performance.now();
  if (res.status !== 200) throw new EngineError(`engine answered HTTP ${res.status}: ${res.body.slice(0, 300)}`, "http");
  if (failure) throw failure;
  if (!done) throw new EngineError(`the stream ended without [DONE] after ${m.tokens.length} tokens`, "stream-cut");
  if (m.promptTokenIds && JSON.stringify(m.promptTokenIds) !== JSON.stringify(body.prompt)) throw new EngineError("the engine echoed different prompt token ids than were sent", "protocol");
  return m;
}

/** A non-streaming completion (used for prompt logprobs), validated against vLLM's response shape. */
export async function completion(ep: Endpoint, body: CompletionRequest, timeoutMs = 120_000): Promise<CompletionResponse> {
  let text = "";
  const res = await post(ep, body, timeoutMs, (c) => (text += c));
  if (res.status !== 200) throw new EngineError(`engine answered HTTP ${res.status}: ${res.body.slice(0, 300)}`, "http");
  const parsed = CompletionResponse.safeParse(JSON.parse(text));
  if (!parsed.success) throw new EngineError(`response does not match vLLM's shape: ${parsed.error.issues[0]?.message} at ${parsed.error.issues[0]?.path.join(".")}`, "protocol");
  const ids = parsed.data.choices[0]!.prompt_token_ids;
  if (ids && JSON.stringify(ids) !== JSON.stringify(body.prompt)) throw new EngineError("the engine scored different prompt token ids than were sent", "protocol");
  return parsed.data;
}

export async function engineVersion(ep: Endpoint): Promise<string> {
  const r = await getJson(ep, "/version");
  return VersionResponse.parse(JSON.parse(r.body)).version;
}

export async function servedModels(ep: Endpoint): Promise<string[]> {
  const r = await getJson(ep, "/v1/models");
  return ModelsResponse.parse(JSON.parse(r.body)).data.map((d) => d.id);
}
