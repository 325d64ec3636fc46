import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { unlink } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { CompletionRequest } from "../../../core/protocol/openai.ts";
import { detokenizeBytes, VOCAB_SIZE } from "../../../core/gguf/generate.ts";
import { ACCEPTANCE, greedyPlain, greedySpeculative, type Draft } from "./decoder.ts";

/**
 * The embedded engine: llama.cpp (through node-llama-cpp) in its own process, serving the subset
 * of vLLM's OpenAI-compatible API the runner uses, so the trusted client, verifier and sandbox have
 * one code path for both engines. Batch 1: requests are served one at a time.
 */
export interface ServerOptions {
  model: string;
  servedName: string;
  threads: number;
  batchSize: number;
  contextSize: number;
  draft?: { model: string; tokens: number; acceptance: Draft["acceptance"] };
  listen: { unix: string } | { port: number; host: string };
  /** Test-only hook for engine configurations that try to cheat; see test/fixtures. */
  hooks?: ServerHooks;
}

export interface ServerHooks {
  /** May rewrite the token stream for a prompt (e.g. decode differently on prompts seen before). */
  transform?(prompt: number[], tokens: number[]): number[];
  /** Runs after loading, before /health turns 200. */
  beforeReady?(ctx: { sequence: LlamaContextSequence }): Promise<void>;
  /** May answer a prompt without decoding (e.g. from a cache filled before reporting healthy). */
  shortcut?(prompt: number[]): number[] | undefined;
}

export const ENGINE_VERSION = "embedded-llama.cpp/node-llama-cpp-3.21.1";

function send(res: ServerResponse, status: number, body: unknown) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new Error("request body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** What a request handler needs of the loaded engine. */
interface Engine {
  opts: ServerOptions;
  sequence: LlamaContextSequence;
  draft?: Draft;
  /** Runs decodes one at a time (batch 1). */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  nextId(): string;
  isReady(): boolean;
}

type PromptLogprobs = (Record<string, LogprobEntry> | null)[];

/** vLLM's error body. */
const errorBody = (code: number, type: string, message: string) => ({ object: "error", message, type, code });

/** Loads the target (and the draft model, if any) on the CPU. */
async function loadEngine(opts: ServerOptions): Promise<{ sequence: LlamaContextSequence; draft?: Draft }> {
  // Imported here, not at the top: the entry point's loader hook must be registered first (main.ts).
  const { getLlama } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
  const contextOptions = { contextSize: opts.contextSize, batchSize: opts.batchSize, threads: opts.threads };
  const model = await llama.loadModel({ modelPath: opts.model });
  const sequence = (await model.createContext(contextOptions)).getSequence();
  if (!opts.draft) return { sequence };
  const dm = await llama.loadModel({ modelPath: opts.draft.model });
  const draftSequence = (await dm.createContext(contextOptions)).getSequence();
  return {
    sequence,
    draft: { sequence: draftSequence, tokens: opts.draft.tokens, acceptance: opts.draft.acceptance },
  };
}

type LogprobEntry = { logprob: number; rank: number | null; decoded_token: string };

/** One position's entry for `token`, with its rank in the distribution (vLLM's shape). */
const entryOf = (probs: Map<Token, number>, ranked: Token[], token: number): LogprobEntry => ({
  logprob: Math.max(-9999, Math.log(probs.get(token as Token) ?? 0)),
  rank: ranked.indexOf(token as Token) + 1 || null,
  decoded_token: detokenizeBytes([token]),
});

/**
 * The full next-token distribution at every prompt position (a 260-token vocabulary is cheap):
 * the prompt token's own logprob, plus the `top` most likely tokens as vLLM's `prompt_logprobs: k` does.
 */
async function promptLogprobs(
  sequence: LlamaContextSequence,
  prompt: number[],
  top: number,
): Promise<PromptLogprobs> {
  await sequence.clearHistory();
  const out = await sequence.controlledEvaluate(
    prompt.map((t, i) =>
      i < prompt.length - 1 ? [t as Token, { generateNext: { probabilities: true } }] : (t as Token),
    ),
  );
  const result: PromptLogprobs = [null];
  for (let i = 0; i < prompt.length - 1; i++) {
    const token = prompt[i + 1]!;
    const probs = out[i]!.next.probabilities!;
    // probabilities is sorted from the most to the least likely token.
    const ranked = [...probs.keys()];
    const entries: Record<string, LogprobEntry> = {};
    for (const t of ranked.slice(0, top)) entries[String(t)] = entryOf(probs, ranked, t as number);
    entries[String(token)] = entryOf(probs, ranked, token);
    result.push(entries);
  }
  return result;
}

/** Decodes one request, handing each group of tokens to `emit` as soon as it is final. */
async function decode(e: Engine, req: CompletionRequest, emit: (tokens: number[]) => void) {
  const options = { maxTokens: req.max_tokens, onTokens: emit };
  const cached = e.opts.hooks?.shortcut?.(req.prompt);
  if (cached) {
    // Paced like a fast engine (about 1,000 tok/s), so the speed claim looks plausible.
    for (const t of cached.slice(0, req.max_tokens)) {
      emit([t]);
      await new Promise((r) => setTimeout(r, 1));
    }
  } else if (e.draft) await greedySpeculative(e.sequence, e.draft, req.prompt, options);
  else await greedyPlain(e.sequence, req.prompt, options);
}

/** One completion, streamed as SSE chunks or answered as one JSON body, in vLLM's shapes. */
async function complete(e: Engine, req: CompletionRequest, res: ServerResponse) {
  const base = {
    id: e.nextId(),
    object: "text_completion" as const,
    created: Math.floor(Date.now() / 1000),
    model: e.opts.servedName,
  };
  const promptLp =
    req.prompt_logprobs !== undefined
      ? await promptLogprobs(e.sequence, req.prompt, req.prompt_logprobs)
      : undefined;
  const all: number[] = [];
  let first = true;
  const emit = (tokens: number[]) => {
    const transform = e.opts.hooks?.transform;
    const out = transform ? transform(req.prompt, [...all, ...tokens]).slice(all.length) : tokens;
    all.push(...out);
    if (!req.stream) return;
    const finish_reason = all.length >= req.max_tokens ? "length" : null;
    const choice = { index: 0, text: detokenizeBytes(out), logprobs: null, finish_reason, stop_reason: null };
    const ids = { prompt_token_ids: first ? req.prompt : null, token_ids: out };
    first = false;
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ ...choice, ...ids }] })}\n\n`);
  };
  if (req.stream) res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  await decode(e, req, emit);
  const usage = {
    prompt_tokens: req.prompt.length,
    total_tokens: req.prompt.length + all.length,
    completion_tokens: all.length,
  };
  if (req.stream) {
    if (req.stream_options?.include_usage)
      res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
    return res.end("data: [DONE]\n\n");
  }
  const choice = {
    index: 0,
    text: detokenizeBytes(all),
    logprobs: null,
    finish_reason: "length",
    stop_reason: null,
  };
  const ids = {
    prompt_token_ids: req.prompt,
    token_ids: all,
    ...(promptLp ? { prompt_logprobs: promptLp } : {}),
  };
  send(res, 200, { ...base, choices: [{ ...choice, ...ids }], usage });
}

/** A completion request body, checked as vLLM would; returns the request or the error to answer. */
function checkCompletion(
  opts: ServerOptions,
  text: string,
): { req: CompletionRequest } | { status: number; body: unknown } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return { status: 400, body: errorBody(400, "BadRequestError", `invalid JSON: ${(e as Error).message}`) };
  }
  const parsed = CompletionRequest.safeParse(body);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
      .join("; ");
    return { status: 400, body: errorBody(400, "BadRequestError", message) };
  }
  const req = parsed.data;
  if (req.model !== opts.servedName)
    return {
      status: 404,
      body: errorBody(404, "NotFoundError", `The model \`${req.model}\` does not exist.`),
    };
  if (req.prompt.length + req.max_tokens > opts.contextSize) {
    const message =
      `prompt (${req.prompt.length}) + max_tokens (${req.max_tokens}) ` +
      `exceeds the context size ${opts.contextSize}`;
    return { status: 400, body: errorBody(400, "BadRequestError", message) };
  }
  if (req.prompt.some((t) => t >= VOCAB_SIZE))
    return {
      status: 400,
      body: errorBody(400, "BadRequestError", "prompt contains a token id outside the vocabulary"),
    };
  return { req };
}

/** /v1/models: the one model this engine serves. */
const modelsBody = (opts: ServerOptions) => ({
  object: "list",
  data: [
    {
      id: opts.servedName,
      object: "model",
      created: 0,
      owned_by: "velodrome",
      root: opts.model,
      parent: null,
      max_model_len: opts.contextSize,
    },
  ],
});

/** Routes one HTTP request: health, version, models, completions. */
async function route(e: Engine, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://engine");
  const at = `${req.method} ${url.pathname}`;
  if (at === "GET /health") return send(res, e.isReady() ? 200 : 503, "");
  if (!e.isReady()) return send(res, 503, errorBody(503, "ServiceUnavailable", "engine is loading"));
  if (at === "GET /version") return send(res, 200, { version: ENGINE_VERSION });
  if (at === "GET /v1/models") return send(res, 200, modelsBody(e.opts));
  if (at === "POST /v1/completions") {
    const text = await readBody(req).catch((err: Error) => err);
    if (text instanceof Error)
      return send(res, 400, errorBody(400, "BadRequestError", `invalid JSON: ${text.message}`));
    const checked = checkCompletion(e.opts, text);
    if ("status" in checked) return send(res, checked.status, checked.body);
    return await e.serial(() => complete(e, checked.req, res));
  }
  send(res, 404, errorBody(404, "NotFoundError", `no route ${at}`));
}

/** A request that failed mid-way: a 500 if nothing was sent yet, else the connection is cut. */
function failed(res: ServerResponse, e: unknown) {
  if (!res.headersSent) send(res, 500, errorBody(500, "InternalServerError", (e as Error).message));
  else res.destroy(e as Error);
}

export async function startEmbeddedServer(opts: ServerOptions): Promise<{ close(): Promise<void> }> {
  const { sequence, draft } = await loadEngine(opts);
  let ready = false;
  let queue: Promise<unknown> = Promise.resolve();
  let counter = 0;
  const engine: Engine = {
    opts,
    sequence,
    ...(draft ? { draft } : {}),
    serial: <T>(fn: () => Promise<T>): Promise<T> => {
      const p = queue.then(fn, fn);
      queue = p.catch(() => undefined);
      return p;
    },
    nextId: () => `cmpl-${process.pid}-${++counter}`,
    isReady: () => ready,
  };
  const server = createServer((req, res) => void route(engine, req, res).catch((e) => failed(res, e)));
  if ("unix" in opts.listen) await unlink(opts.listen.unix).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if ("unix" in opts.listen) server.listen(opts.listen.unix, resolve);
    else server.listen(opts.listen.port, opts.listen.host, resolve);
  });
  if (opts.hooks?.beforeReady) await opts.hooks.beforeReady({ sequence });
  ready = true;
  return { close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * Command line:
 * `server.ts --model F [--draft F --draft-tokens K --acceptance exact|top2|loose-after-tie] --listen unix:P|tcp:PORT`.
 */
export async function serverMain(argv: string[], hooks?: ServerHooks): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: "string" },
      "served-name": { type: "string", default: "velodrome" },
      threads: { type: "string", default: "1" },
      "batch-size": { type: "string", default: "512" },
      "context-size": { type: "string", default: "1024" },
      draft: { type: "string" },
      "draft-tokens": { type: "string", default: "4" },
      acceptance: { type: "string", default: "exact" },
      listen: { type: "string" },
    },
  });
  if (!values.model || !values.listen)
    throw new Error("usage: server --model FILE --listen unix:PATH|tcp:PORT");
  const listen = values.listen.startsWith("unix:")
    ? { unix: values.listen.slice(5) }
    : { port: Number(values.listen.replace(/^tcp:/, "")), host: "127.0.0.1" };
  const acceptance = ACCEPTANCE.find((a) => a === values.acceptance) ?? "exact";
  const srv = await startEmbeddedServer({
    model: values.model,
    servedName: values["served-name"]!,
    threads: Number(values.threads),
    batchSize: Number(values["batch-size"]),
    contextSize: Number(values["context-size"]),
    ...(values.draft
      ? { draft: { model: values.draft, tokens: Number(values["draft-tokens"]), acceptance } }
      : {}),
    listen,
    hooks,
  });
  process.stderr.write(`embedded engine ready on ${values.listen}\n`);
  const stop = () => void srv.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
