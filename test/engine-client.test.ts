import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  ENGINE_PHRASES,
  completion,
  getJson,
  sseEvents,
  streamCompletion,
  type Endpoint,
} from "../runner/adapters/engines/client.ts";
import { EngineFailure, errorCode } from "../runner/core/errors.ts";
import { responseByteCap, type CompletionRequest } from "../runner/core/protocol/openai.ts";

/**
 * The trusted client against hostile engines on loopback: an engine may flood, stream forever, drip
 * bytes just under each gap, or send garbage. Each attack must end in an engine failure with a
 * fixed phrase (nothing the engine sent is quoted), within the request's own bounds.
 */

const request: CompletionRequest = {
  model: "m",
  prompt: [1, 2, 3],
  max_tokens: 8,
  temperature: 0,
  ignore_eos: true,
  stream: true,
  add_special_tokens: false,
  return_token_ids: true,
};

const event = (ids: number[]) =>
  `data: ${JSON.stringify({
    id: "c",
    object: "text_completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, text: "x", token_ids: ids, finish_reason: null }],
  })}\n\n`;
const honest = [1, 2, 3, 4, 5, 6, 7, 8].map((t) => event([t])).join("") + "data: [DONE]\n\n";

const servers: Server[] = [];
let closedByClient = 0;
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A hostile engine: `handler` answers every request; the count of connections the client closed is kept. */
async function engine(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Endpoint> {
  closedByClient = 0;
  const s = createServer((req, res) => {
    res.on("close", () => {
      if (!res.writableEnded) closedByClient++;
    });
    handler(req, res);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { host: "127.0.0.1", port: (s.address() as AddressInfo).port };
}

const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });

/** Writes `write()` every `ms` until the client goes away. */
function forever(res: ServerResponse, ms: number, write: () => string) {
  const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(write())), ms);
  res.on("close", () => clearInterval(t));
}

async function failure(p: Promise<unknown>): Promise<EngineFailure> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, "the attack must fail").toBeInstanceOf(EngineFailure);
  expect(errorCode(e)).toBe("engine");
  return e as EngineFailure;
}

const closed = async () => {
  for (let i = 0; i < 100 && closedByClient === 0; i++) await new Promise((r) => setTimeout(r, 20));
  return closedByClient;
};

describe("the trusted client against a hostile engine", () => {
  it("reads an honest stream: every token, timed by the chunk that completed its event", async () => {
    const ep = await engine((_q, res) => (sse(res), res.end(honest)));
    const m = await streamCompletion(ep, request, 10_000);
    expect(m.tokens).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(m.chunks).toBe(8);
  });

  it("flood: stops reading at the byte cap set by max_tokens and says so in a fixed phrase", async () => {
    const ep = await engine((_q, res) => {
      sse(res);
      const mib = Buffer.alloc(1 << 20, "x");
      forever(res, 1, () => mib.toString());
    });
    const e = await failure(streamCompletion(ep, request, 60_000));
    expect(e.message).toBe(ENGINE_PHRASES.tooLarge(responseByteCap(request), request.max_tokens));
    expect(await closed()).toBe(1);
  });

  it("flood of the health check: a small GET is capped too", async () => {
    const ep = await engine((_q, res) => {
      res.writeHead(200);
      forever(res, 1, () => "y".repeat(1 << 16));
    });
    const e = await failure(getJson(ep, "/health", 60_000));
    expect(e.message).toMatch(/^GET \/health: the engine's answer passed \d+ bytes$/);
  });

  it("endless stream: valid events that never end fail as an engine failure, not a hang", async () => {
    const ep = await engine((_q, res) => (sse(res), forever(res, 5, () => event([7]))));
    const e = await failure(streamCompletion(ep, request, 1500));
    expect([ENGINE_PHRASES.timeout(1500), ENGINE_PHRASES.tooLarge(responseByteCap(request), 8)]).toContain(
      e.message,
    );
    expect(await closed()).toBe(1);
  });

  it("drip under the deadline: a byte at a time, each gap short, the whole over the budget, fails as a timeout", async () => {
    const ep = await engine((_q, res) => {
      sse(res);
      let i = 0;
      forever(res, 10, () => honest[i++] ?? "");
    });
    const e = await failure(streamCompletion(ep, request, 800));
    expect(e.message).toBe(ENGINE_PHRASES.timeout(800));
    expect(await closed()).toBe(1);
  });

  it("malformed stream: the engine's text never reaches the error", async () => {
    const secret = "<script>alert('pwned')</script> private prompt 42";
    const ep = await engine(
      (_q, res) => (sse(res), res.end(`${event([1])}data: {${secret}\n\ndata: [DONE]\n\n`)),
    );
    const e = await failure(streamCompletion(ep, request, 10_000));
    expect(e.message).toBe(ENGINE_PHRASES.notJson);
    expect(e.message).not.toContain("script");
  });

  it("malformed stream: a wrong shape whose keys carry text is refused without quoting them", async () => {
    const bad = {
      choices: [
        {
          index: 0,
          text: 1,
          logprobs: { tokens: [], token_logprobs: [], top_logprobs: [{ "<img src=x>": "no" }] },
        },
      ],
    };
    const ep = await engine(
      (_q, res) => (sse(res), res.end(`data: ${JSON.stringify(bad)}\n\ndata: [DONE]\n\n`)),
    );
    const e = await failure(streamCompletion(ep, request, 10_000));
    expect(e.message).toBe(ENGINE_PHRASES.shape);
  });

  it("an error status is refused on its status line; its body is never read into the message", async () => {
    const ep = await engine((_q, res) => (res.writeHead(500), res.end("<b>secret</b>")));
    const e = await failure(streamCompletion(ep, request, 10_000));
    expect(e.message).toBe(ENGINE_PHRASES.http(500));
  });

  it("a non-streaming answer that is not JSON fails without quoting it", async () => {
    const ep = await engine((_q, res) => (res.writeHead(200), res.end("<html>secret</html>")));
    const e = await failure(
      completion(ep, { ...request, stream: false, max_tokens: 1, prompt_logprobs: 1 }, 10_000),
    );
    expect(e.message).toBe(ENGINE_PHRASES.notJson);
  });
});

describe("the stream scan", () => {
  it("finds events across chunk boundaries and times each by the chunk that completed it", () => {
    const text = event([1]) + event([2]);
    const cut = text.indexOf("\n\n") + 1; // the first event's blank line straddles two chunks
    const chunks = [
      Buffer.from(text.slice(0, cut)),
      Buffer.from(text.slice(cut, cut + 5)),
      Buffer.from(text.slice(cut + 5)),
    ];
    const events = sseEvents(chunks, [10, 20, 30]);
    expect(events.map((e) => e.at)).toEqual([20, 30]);
    expect(events.map((e) => JSON.parse(e.data[0]!).choices[0].token_ids)).toEqual([[1], [2]]);
  });

  it("is linear: 20,000 events in one chunk are split once each", () => {
    const many = Buffer.from(event([1]).repeat(20_000));
    expect(sseEvents([many], [1]).length).toBe(20_000);
  });
});
