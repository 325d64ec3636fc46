import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runDemo } from "../demo/demo.ts";
import { serveDir } from "../demo/serve.ts";
import type { Io } from "./io.ts";

const HELP = `usage: velodrome demo [--no-serve] [--out DIR] [--dir DIR] [--port N]

Plays a complete challenge locally on the embedded CPU engine: a baseline, a quantized variant, a
speculative-decoding variant, one combining both (a pooled run), a lossy one caught by the greedy
check, one ruled invalid by an organizer, board threads and a knowledge-base note — through the
bot's real code paths against a local GitHub stand-in and a bare git remote. Then it builds the
site and serves it on localhost.
  --dir DIR    workspace (default .velodrome/demo; recreated)
  --out DIR    where the site goes (default DIR/site)
  --no-serve   exit after the build
  --port N     port for the site (default 4321; 0 picks a free one)`;

export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "no-serve": { type: "boolean" },
      out: { type: "string" },
      dir: { type: "string" },
      port: { type: "string", default: "4321" },
      sandbox: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return (io.out(HELP), 0);
  const dir = resolve(io.cwd, values.dir ?? ".velodrome/demo");
  const out = resolve(io.cwd, values.out ?? join(dir, "site"));
  io.err(`velodrome demo: workspace ${dir} (your checkout is not touched)`);
  const result = await runDemo({
    dir,
    out,
    log: (s) => io.err(s),
    ...(values.sandbox ? { sandbox: values.sandbox } : {}),
  });
  io.out(`site: ${result.out}`);
  if (values["no-serve"]) return 0;
  const { url } = await serveDir(out, Number(values.port));
  io.out(
    `\nServing the challenge site at ${url}\nLook at:\n  ${url}index.html        the leader, the frontier over time, recent verdicts\n  ${url}leaderboard.html  ranks with ties and confidence intervals (sortable)\n  ${url}lineage.html      who built on whom: parents, git ancestry, shared code, pooled runs\n  ${url}board.html        threads, the ruling, the knowledge base, dead ends\n  ${url}api/digest.json   what an agent reads to catch up\nPress Ctrl-C to stop.`,
  );
  await new Promise(() => undefined);
  return 0;
}
