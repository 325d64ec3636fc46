// A stand-in engine for the harness-overhead benchmark: streams vLLM-shaped SSE chunks, one token
// each, at a fixed rate, in its own process so the client's CPU can be measured apart from it.
import { createServer } from "node:http";

const rate = Number(process.argv[2] ?? 2000);
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c));
  req.on("end", () => {
    const { max_tokens: n, prompt } = JSON.parse(body) as { max_tokens: number; prompt: number[] };
    res.writeHead(200, { "content-type": "text/event-stream" });
    const base = { id: "cmpl-bench", object: "text_completion", created: 0, model: "velodrome" };
    const t0 = performance.now();
    let i = 0;
    const tick = () => {
      // Busy-wait to the next 1/rate boundary: timers cannot schedule sub-millisecond intervals.
      while (i < n && performance.now() - t0 >= (i * 1000) / rate) {
        res.write(
          `data: ${JSON.stringify({ ...base, choices: [{ index: 0, text: "x", logprobs: null, finish_reason: i === n - 1 ? "length" : null, stop_reason: null, prompt_token_ids: i === 0 ? prompt : null, token_ids: [100 + (i % 50)] }] })}\n\n`,
        );
        i++;
      }
      if (i < n) setImmediate(tick);
      else
        res.end(
          `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: prompt.length, completion_tokens: n, total_tokens: n + prompt.length } })}\n\ndata: [DONE]\n\n`,
        );
    };
    tick();
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
