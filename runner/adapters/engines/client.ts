import { request } from "node:http";
import { performance } from "node:perf_hooks";
import {
  CompletionRequest,
  CompletionResponse,
  ModelsResponse,
  StreamChunk,
  type StreamMeasurement,
} from "../../core/protocol/openai.ts";
import { EngineRequestFailed } from "../../core/errors.ts";
import type { EngineClient, Endpoint } from "../../ports.ts";
export type { Endpoint } from "../../ports.ts";

export { decodeTps, type StreamMeasurement } from "../../core/protocol/openai.ts";

/** The engine client port over HTTP (a Unix socket or loopback TCP). */
export const httpEngineClient: EngineClient = {
  stream: (ep, body, timeoutMs) => streamCompletion(ep, body, timeoutMs),
  complete: (ep, body, timeoutMs) => completion(ep, body, timeoutMs),
};

/** The first schema issue of a response that does not match vLLM's shape: its message and where. */
const firstIssue = (e: { issues: { message: string; path: PropertyKey[] }[] }) =>
  `${e.issues[0]?.message} at ${e.issues[0]?.path.map(String).join(".")}`;

function baseOptions(ep: Endpoint, method: string, path: string) {
  return "unix" in ep
    ? { socketPath: ep.unix, method, path }
    : { host: ep.host, port: ep.port, method, path };
}

export function getJson(
  ep: Endpoint,
  path: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...baseOptions(ep, "GET", path), timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new EngineRequestFailed(`GET ${path} timed out`, "timeout")));
    req.on("error", (e) =>
      reject(
        e instanceof EngineRequestFailed
          ? e
          : new EngineRequestFailed(`GET ${path}: ${e.message}`, "connect"),
      ),
    );
    req.end();
  });
}

interface RawResponse {
  status: number;
  chunks: Buffer[];
  at: number[]; // arrival time of each chunk (performance.now())
  cpuDuringStreamUs: number; // client CPU between the first and the last byte
}

/**
 * POSTs a completion request. While the response streams, the client does the least it can: keep
 * each raw chunk and its arrival time. Parsing and validation happen after the last byte, so the
 * harness competes as little as it can with the engine for CPU during the timed decode.
 */
function post(ep: Endpoint, body: CompletionRequest, timeoutMs: number): Promise<RawResponse> {
  // The contract: never send what vLLM would not accept.
  const payload = JSON.stringify(CompletionRequest.parse(body));
  return new Promise((resolve, reject) => {
    const raw: RawResponse = { status: 0, chunks: [], at: [], cpuDuringStreamUs: 0 };
    let cpu0: NodeJS.CpuUsage | undefined;
    const req = request(
      {
        ...baseOptions(ep, "POST", "/v1/completions"),
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        raw.status = res.statusCode ?? 0;
        res.on("data", (c: Buffer) => {
          raw.at.push(performance.now());
          raw.chunks.push(c);
          if (!cpu0) cpu0 = process.cpuUsage();
        });
        res.on("end", () => {
          if (cpu0) {
            const d = process.cpuUsage(cpu0);
            raw.cpuDuringStreamUs = d.user + d.system;
          }
          resolve(raw);
        });
        res.on("aborted", () =>
          reject(new EngineRequestFailed("the engine closed the connection mid-response", "stream-cut")),
        );
        res.on("error", (e) => reject(new EngineRequestFailed(`response error: ${e.message}`, "stream-cut")));
      },
    );
    const timer = setTimeout(
      () => req.destroy(new EngineRequestFailed(`request timed out after ${timeoutMs} ms`, "timeout")),
      timeoutMs,
    );
    req.on("close", () => clearTimeout(timer));
    req.on("error", (e) =>
      reject(
        e instanceof EngineRequestFailed
          ? e
          : new EngineRequestFailed(
              `POST /v1/completions: ${e.message}`,
              (e as NodeJS.ErrnoException).code === "ECONNRESET" ? "stream-cut" : "connect",
            ),
      ),
    );
    req.end(payload);
  });
}

/**
 * Streams one greedy completion. Each SSE event is timed by the arrival of the chunk that completed
 * it; events are parsed and validated after the last byte. Tokens are counted here, from
 * token_ids, never from server-reported usage.
 */
export async function streamCompletion(
  ep: Endpoint,
  body: CompletionRequest,
  timeoutMs = 120_000,
): Promise<StreamMeasurement> {
  if (!body.stream) throw new Error("streamCompletion needs stream: true");
  const m: StreamMeasurement = {
    tokens: [],
    promptTokenIds: undefined,
    start: 0,
    firstTokenAt: NaN,
    lastTokenAt: NaN,
    end: NaN,
    interChunkMs: [],
    chunks: 0,
    clientCpuDuringStreamUs: 0,
  };
  m.start = performance.now();
  const raw = await post(ep, body, timeoutMs);
  m.end = performance.now();
  m.clientCpuDuringStreamUs = raw.cpuDuringStreamUs;
  if (raw.status !== 200)
    throw new EngineRequestFailed(
      `engine answered HTTP ${raw.status}: ${Buffer.concat(raw.chunks).toString("utf8").slice(0, 300)}`,
      "http",
    );
  let done = false;
  let prevAt = NaN;
  let pending = "";
  const decoder = new TextDecoder();
  for (let i = 0; i < raw.chunks.length; i++) {
    pending += decoder.decode(raw.chunks[i], { stream: true });
    const at = raw.at[i]!;
    let idx: number;
    while ((idx = pending.indexOf("\n\n")) >= 0) {
      const event = pending.slice(0, idx);
      pending = pending.slice(idx + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") {
          done = true;
          continue;
        }
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          throw new EngineRequestFailed(`malformed SSE data: ${data.slice(0, 120)}`, "protocol");
        }
        const chunk = StreamChunk.safeParse(json);
        if (!chunk.success)
          throw new EngineRequestFailed(
            `stream chunk does not match vLLM's shape: ${firstIssue(chunk.error)}`,
            "protocol",
          );
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
      }
    }
  }
  if (!done)
    throw new EngineRequestFailed(
      `the stream ended without [DONE] after ${m.tokens.length} tokens`,
      "stream-cut",
    );
  if (m.promptTokenIds && JSON.stringify(m.promptTokenIds) !== JSON.stringify(body.prompt))
    throw new EngineRequestFailed("the engine echoed different prompt token ids than were sent", "protocol");
  return m;
}

/** A non-streaming completion (used for prompt logprobs), validated against vLLM's response shape. */
export async function completion(
  ep: Endpoint,
  body: CompletionRequest,
  timeoutMs = 120_000,
): Promise<CompletionResponse> {
  const res = await post(ep, body, timeoutMs);
  const text = Buffer.concat(res.chunks).toString("utf8");
  if (res.status !== 200)
    throw new EngineRequestFailed(`engine answered HTTP ${res.status}: ${text.slice(0, 300)}`, "http");
  const parsed = CompletionResponse.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new EngineRequestFailed(
      `response does not match vLLM's shape: ${firstIssue(parsed.error)}`,
      "protocol",
    );
  const ids = parsed.data.choices[0]!.prompt_token_ids;
  if (ids && JSON.stringify(ids) !== JSON.stringify(body.prompt))
    throw new EngineRequestFailed("the engine scored different prompt token ids than were sent", "protocol");
  return parsed.data;
}

export async function servedModels(ep: Endpoint): Promise<string[]> {
  const r = await getJson(ep, "/v1/models");
  return ModelsResponse.parse(JSON.parse(r.body)).data.map((d) => d.id);
}
