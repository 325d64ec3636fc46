import { request, type ClientRequest } from "node:http";
import { performance } from "node:perf_hooks";
import { EngineRequestFailed } from "../../core/errors.ts";
import {
  CompletionRequest,
  CompletionResponse,
  ModelsResponse,
  responseByteCap,
  StreamChunk,
  type StreamMeasurement,
} from "../../core/protocol/openai.ts";
import type { EngineClient, Endpoint } from "../../ports.ts";
export type { Endpoint } from "../../ports.ts";

/*
 * Whatever goes wrong between the trusted client and an engine is the engine's failure
 * (EngineRequestFailed), said in a fixed phrase: nothing the engine sent (a body, a malformed line,
 * a key) ever enters the message, because messages end up in run records and on published pages.
 * Its `fault` says which rule it broke.
 */

/** The fixed phrases of every client-side engine failure. */
export const ENGINE_PHRASES = {
  http: (status: number) => `the engine answered HTTP ${status} where a completion must answer 200`,
  tooLarge: (cap: number, maxTokens: number) =>
    `the engine's response passed its size cap of ${cap} bytes (set by max_tokens = ${maxTokens})`,
  timeout: (ms: number) => `the engine did not finish its response within ${ms} ms`,
  cut: "the engine closed the connection mid-response",
  connect: "the engine's endpoint could not be reached",
  notJson: "the engine sent data that is not JSON",
  shape: "the engine sent a response that does not match vLLM's shape",
  noDone: (n: number) => `the stream ended without [DONE] after ${n} tokens`,
  echo: "the engine echoed different prompt token ids than were sent",
  scored: "the engine scored different prompt token ids than were sent",
} as const;

export { decodeTps, type StreamMeasurement } from "../../core/protocol/openai.ts";

/** The engine client port over HTTP (a Unix socket or loopback TCP). */
export const httpEngineClient: EngineClient = {
  stream: (ep, body, timeoutMs) => streamCompletion(ep, body, timeoutMs),
  complete: (ep, body, timeoutMs) => completion(ep, body, timeoutMs),
};

function baseOptions(ep: Endpoint, method: string, path: string) {
  return "unix" in ep
    ? { socketPath: ep.unix, method, path }
    : { host: ep.host, port: ep.port, method, path };
}

/** Bytes a health or model-list answer may take. */
const SMALL_ANSWER_BYTES = 64 * 1024;

/** A small GET (health, model list): bounded in time as a whole and in size. */
export function getJson(
  ep: Endpoint,
  path: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const read = readBounded(request(baseOptions(ep, "GET", path)), SMALL_ANSWER_BYTES, timeoutMs, {
      onStatus: () => true,
      tooLarge: `GET ${path}: the engine's answer passed ${SMALL_ANSWER_BYTES} bytes`,
    });
    read.then(
      (raw) => resolve({ status: raw.status, body: Buffer.concat(raw.chunks).toString("utf8") }),
      reject,
    );
    read.req.end();
  });
}

interface RawResponse {
  status: number;
  chunks: Buffer[];
  at: number[]; // arrival time of each chunk (performance.now())
  bytes: number;
  cpuDuringStreamUs: number; // client CPU between the first and the last byte
}

interface ReadRules {
  /** False refuses the response on its status line, before reading its body. */
  onStatus: (status: number) => boolean;
  tooLarge: string;
}

/**
 * Reads one response with two hard bounds: `timeoutMs` for the whole exchange (a drip of bytes
 * does not reset it, unlike Node's idle `timeout`) and `cap` bytes of body. Breaking either, or any
 * transport error, destroys the request and rejects once with a fixed-phrase EngineRequestFailed. While the
 * response streams the client does the least it can: keep each raw chunk and its arrival time.
 */
function readBounded(
  req: ClientRequest,
  cap: number,
  timeoutMs: number,
  rules: ReadRules,
): Promise<RawResponse> & { req: ClientRequest } {
  const p = new Promise<RawResponse>((resolve, reject) => {
    const raw: RawResponse = { status: 0, chunks: [], at: [], bytes: 0, cpuDuringStreamUs: 0 };
    let cpu0: NodeJS.CpuUsage | undefined;
    let settled = false;
    const fail = (e: EngineRequestFailed) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const timer = setTimeout(
      () => fail(new EngineRequestFailed(ENGINE_PHRASES.timeout(timeoutMs), "timeout")),
      timeoutMs,
    );
    req.on("response", (res) => {
      raw.status = res.statusCode ?? 0;
      if (!rules.onStatus(raw.status))
        return fail(new EngineRequestFailed(ENGINE_PHRASES.http(raw.status), "http"));
      res.on("data", (c: Buffer) => {
        raw.bytes += c.length;
        if (raw.bytes > cap) return fail(new EngineRequestFailed(rules.tooLarge, "too-large"));
        raw.at.push(performance.now());
        raw.chunks.push(c);
        if (!cpu0) cpu0 = process.cpuUsage();
      });
      res.on("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (cpu0) {
          const d = process.cpuUsage(cpu0);
          raw.cpuDuringStreamUs = d.user + d.system;
        }
        resolve(raw);
      });
      res.on("aborted", () => fail(new EngineRequestFailed(ENGINE_PHRASES.cut, "stream-cut")));
      res.on("error", () => fail(new EngineRequestFailed(ENGINE_PHRASES.cut, "stream-cut")));
    });
    req.on("error", (e) =>
      fail(
        (e as NodeJS.ErrnoException).code === "ECONNRESET"
          ? new EngineRequestFailed(ENGINE_PHRASES.cut, "stream-cut")
          : new EngineRequestFailed(ENGINE_PHRASES.connect, "connect"),
      ),
    );
  });
  return Object.assign(p, { req });
}

/** POSTs a completion request, bounded in bytes by its max_tokens (responseByteCap) and in time. */
function post(ep: Endpoint, body: CompletionRequest, timeoutMs: number): Promise<RawResponse> {
  // The contract: never send what vLLM would not accept.
  const payload = JSON.stringify(CompletionRequest.parse(body));
  const req = request({
    ...baseOptions(ep, "POST", "/v1/completions"),
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
  });
  const cap = responseByteCap(body);
  const read = readBounded(req, cap, timeoutMs, {
    onStatus: (s) => s === 200,
    tooLarge: ENGINE_PHRASES.tooLarge(cap, body.max_tokens),
  });
  req.end(payload);
  return read;
}

/** The timer's bound holds until parsing ends: a response that took its whole budget to read and parse fails. */
function checkBudget(start: number, timeoutMs: number) {
  if (performance.now() - start > timeoutMs)
    throw new EngineRequestFailed(ENGINE_PHRASES.timeout(timeoutMs), "timeout");
}

/**
 * The server-sent events of a response, each with the arrival time of the chunk that completed it,
 * in one linear pass: the body is joined once (it is bounded by the byte cap), events are found
 * with Buffer.indexOf from where the last one ended, and the chunk pointer only moves forward.
 * Events end at a blank line ("\n\n", ASCII, so byte offsets never split a UTF-8 character).
 */
export function sseEvents(chunks: Buffer[], at: number[]): { data: string[]; at: number }[] {
  const all = Buffer.concat(chunks);
  const events: { data: string[]; at: number }[] = [];
  let chunk = 0;
  let chunkEnd = chunks[0]?.length ?? 0;
  for (let pos = 0; ;) {
    const idx = all.indexOf("\n\n", pos);
    if (idx < 0) break;
    while (idx + 1 >= chunkEnd && chunk < chunks.length - 1) chunkEnd += chunks[++chunk]!.length;
    const data: string[] = [];
    for (const line of all.toString("utf8", pos, idx).split("\n"))
      if (line.startsWith("data: ")) data.push(line.slice(6));
    events.push({ data, at: at[chunk]! });
    pos = idx + 2;
  }
  return events;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EngineRequestFailed(ENGINE_PHRASES.notJson, "protocol");
  }
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
  let done = false;
  for (const event of sseEvents(raw.chunks, raw.at))
    for (const data of event.data) {
      if (data === "[DONE]") done = true;
      else absorbChunk(m, parseJson(data), event.at);
    }
  checkBudget(m.start, timeoutMs);
  if (!done) throw new EngineRequestFailed(ENGINE_PHRASES.noDone(m.tokens.length), "stream-cut");
  if (m.promptTokenIds && !sameIds(m.promptTokenIds, body.prompt))
    throw new EngineRequestFailed(ENGINE_PHRASES.echo, "protocol");
  return m;
}

/** One parsed stream event into the measurement. */
function absorbChunk(m: StreamMeasurement, json: unknown, at: number) {
  const chunk = StreamChunk.safeParse(json);
  if (!chunk.success) throw new EngineRequestFailed(ENGINE_PHRASES.shape, "protocol");
  if (chunk.data.usage) m.serverReportedTokens = chunk.data.usage.completion_tokens;
  for (const c of chunk.data.choices) {
    if (c.prompt_token_ids) m.promptTokenIds = c.prompt_token_ids;
    const ids = c.token_ids ?? [];
    if (!ids.length) continue;
    if (Number.isNaN(m.firstTokenAt)) m.firstTokenAt = at;
    else m.interChunkMs.push(at - m.lastTokenAt);
    m.lastTokenAt = at;
    for (const id of ids) m.tokens.push(id);
    m.chunks++;
  }
}

const sameIds = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** A non-streaming completion (used for prompt logprobs), validated against vLLM's response shape. */
export async function completion(
  ep: Endpoint,
  body: CompletionRequest,
  timeoutMs = 120_000,
): Promise<CompletionResponse> {
  const start = performance.now();
  const res = await post(ep, body, timeoutMs);
  const parsed = CompletionResponse.safeParse(parseJson(Buffer.concat(res.chunks).toString("utf8")));
  checkBudget(start, timeoutMs);
  if (!parsed.success) throw new EngineRequestFailed(ENGINE_PHRASES.shape, "protocol");
  const ids = parsed.data.choices[0]!.prompt_token_ids;
  if (ids && !sameIds(ids, body.prompt)) throw new EngineRequestFailed(ENGINE_PHRASES.scored, "protocol");
  return parsed.data;
}

export async function servedModels(ep: Endpoint): Promise<string[]> {
  const r = await getJson(ep, "/v1/models");
  const parsed = ModelsResponse.safeParse(parseJson(r.body));
  if (!parsed.success) throw new EngineRequestFailed(ENGINE_PHRASES.shape, "protocol");
  return parsed.data.data.map((d) => d.id);
}
