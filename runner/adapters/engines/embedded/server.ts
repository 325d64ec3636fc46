import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { unlink } from "node:fs/promises";
import { parseArgs } from "node:util";
import { getLlama, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { CompletionRequest } from "../../../core/protocol/openai.ts";
import { detokenizeBytes, VOCAB_SIZE } from "../../../core/model/generate.ts";
import { greedyPlain, greedySpeculative, type Draft } from "./decoder.ts";

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
  draft?: { model: string; tokens: number; acceptance: "exact" | "top2" };
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

export async function startEmbeddedServer(opts: ServerOptions): Promise<{ close(): Promise<void> }> {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath: opts.model });
  const context = await model.createContext({
    contextSize: opts.contextSize,
    batchSize: opts.batchSize,
    threads: opts.threads,
  });
  const sequence = context.getSequence();
  let draft: Draft | undefined;
  if (opts.draft) {
    const dm = await llama.loadModel({ modelPath: opts.draft.model });
    const dc = await dm.createContext({
      contextSize: opts.contextSize,
      batchSize: opts.batchSize,
      threads: opts.threads,
    });
    draft = { sequence: dc.getSequence(), tokens: opts.draft.tokens, acceptance: opts.draft.acceptance };
  }
  let ready = false;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn, fn);
    queue = p.catch(() => undefined);
    return p;
  };
  let counter = 0;

  async function promptLogprobs(
    prompt: number[],
  ): Promise<(Record<string, { logprob: number; rank: null; decoded_token: string }> | null)[]> {
    await sequence.clearHistory();
    // The full next-token distribution at every prompt position (a 260-token vocabulary is cheap).
    const out = await sequence.controlledEvaluate(
      prompt.map((t, i) =>
        i < prompt.length - 1 ? [t as Token, { generateNext: { probabilities: true } }] : (t as Token),
      ),
    );
    const result: (Record<string, { logprob: number; rank: null; decoded_token: string }> | null)[] = [null];
    for (let i = 0; i < prompt.length - 1; i++) {
      const next = out[i]!.next;
      const p = next.probabilities!.get(prompt[i + 1]! as Token) ?? 0;
      const lp = Math.max(-9999, Math.log(p));
      result.push({
        [String(prompt[i + 1])]: {
          logprob: lp,
          rank: null,
          decoded_token: detokenizeBytes([prompt[i + 1]!]),
        },
      });
    }
    return result;
  }

  async function complete(req: CompletionRequest, res: ServerResponse) {
    const id = `cmpl-${process.pid}-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const base = { id, object: "text_completion" as const, created, model: opts.servedName };
    let promptLp: Awaited<ReturnType<typeof promptLogprobs>> | undefined;
    if (req.prompt_logprobs !== undefined) promptLp = await promptLogprobs(req.prompt);
    const all: number[] = [];
    let first = true;
    const emit = (tokens: number[]) => {
      const out = opts.hooks?.transform
        ? opts.hooks.transform(req.prompt, [...all, ...tokens]).slice(all.length)
        : tokens;
      all.push(...out);
      if (!req.stream) return;
      const done = all.length >= req.max_tokens;
      const chunk = {
        ...base,
        choices: [
          {
            index: 0,
            text: detokenizeBytes(out),
            logprobs: null,
            finish_reason: done ? "length" : null,
            stop_reason: null,
            prompt_token_ids: first ? req.prompt : null,
            token_ids: out,
          },
        ],
      };
      first = false;
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    };
    if (req.stream) res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const decode = { maxTokens: req.max_tokens, onTokens: emit };
    const cached = opts.hooks?.shortcut?.(req.prompt);
    if (cached) {
      // Paced like a fast engine (about 1,000 tok/s), so the speed claim looks plausible.
      for (const t of cached.slice(0, req.max_tokens)) {
        emit([t]);
        await new Promise((r) => setTimeout(r, 1));
      }
    } else if (draft) await greedySpeculative(sequence, draft, req.prompt, decode);
    else await greedyPlain(sequence, req.prompt, decode);
    const usage = {
      prompt_tokens: req.prompt.length,
      total_tokens: req.prompt.length + all.length,
      completion_tokens: all.length,
    };
    if (req.stream) {
      if (req.stream_options?.include_usage)
        res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
      res.end("data: [DONE]\n\n");
    } else {
      send(res, 200, {
        ...base,
        choices: [
          {
            index: 0,
            text: detokenizeBytes(all),
            logprobs: null,
            finish_reason: "length",
            stop_reason: null,
            prompt_token_ids: req.prompt,
            token_ids: all,
            ...(promptLp ? { prompt_logprobs: promptLp } : {}),
          },
        ],
        usage,
      });
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? "/", "http://engine");
        if (req.method === "GET" && url.pathname === "/health")
          return ready ? send(res, 200, "") : send(res, 503, "");
        if (!ready)
          return send(res, 503, {
            object: "error",
            message: "engine is loading",
            type: "ServiceUnavailable",
            code: 503,
          });
        if (req.method === "GET" && url.pathname === "/version")
          return send(res, 200, { version: ENGINE_VERSION });
        if (req.method === "GET" && url.pathname === "/v1/models")
          return send(res, 200, {
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
        if (req.method === "POST" && url.pathname === "/v1/completions") {
          let body: unknown;
          try {
            body = JSON.parse(await readBody(req));
          } catch (e) {
            return send(res, 400, {
              object: "error",
              message: `invalid JSON: ${(e as Error).message}`,
              type: "BadRequestError",
              code: 400,
            });
          }
          const parsed = CompletionRequest.safeParse(body);
          if (!parsed.success)
            return send(res, 400, {
              object: "error",
              message: parsed.error.issues
                .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
                .join("; "),
              type: "BadRequestError",
              code: 400,
            });
          if (parsed.data.model !== opts.servedName)
            return send(res, 404, {
              object: "error",
              message: `The model \`${parsed.data.model}\` does not exist.`,
              type: "NotFoundError",
              code: 404,
            });
          if (parsed.data.prompt.length + parsed.data.max_tokens > opts.contextSize)
            return send(res, 400, {
              object: "error",
              message: `prompt (${parsed.data.prompt.length}) + max_tokens (${parsed.data.max_tokens}) exceeds the context size ${opts.contextSize}`,
              type: "BadRequestError",
              code: 400,
            });
          if (parsed.data.prompt.some((t) => t >= VOCAB_SIZE))
            return send(res, 400, {
              object: "error",
              message: "prompt contains a token id outside the vocabulary",
              type: "BadRequestError",
              code: 400,
            });
          return await serial(() => complete(parsed.data, res));
        }
        send(res, 404, {
          object: "error",
          message: `no route ${req.method} ${url.pathname}`,
          type: "NotFoundError",
          code: 404,
        });
      } catch (e) {
        if (!res.headersSent)
          send(res, 500, {
            object: "error",
            message: (e as Error).message,
            type: "InternalServerError",
            code: 500,
          });
        else res.destroy(e as Error);
      }
    })();
  });
  if ("unix" in opts.listen) await unlink(opts.listen.unix).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if ("unix" in opts.listen) server.listen(opts.listen.unix, resolve);
    else server.listen(opts.listen.port, opts.listen.host, resolve);
  });
  if (opts.hooks?.beforeReady) await opts.hooks.beforeReady({ sequence });
  // Warm the graph once so the first timed request does not pay for allocation.
  ready = true;
  return {
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Command line: `server.ts --model F [--draft F --draft-tokens K --acceptance exact|top2] --listen unix:P|tcp:PORT`. */
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
  const acceptance = values.acceptance === "top2" ? "top2" : "exact";
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
