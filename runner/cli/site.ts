import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadSiteInput } from "../adapters/site-source.ts";
import { fsEffects, writeSite } from "../adapters/site-writer.ts";
import { buildModel } from "../core/site/model.ts";
import { renderSite } from "../core/site/render.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";

const HELP = `usage: velodrome site build [--repo DIR] [--out DIR] [--data-ref REF]

Builds the static site from the repository's git history and data branch (default out: site/dist).
Same input, same bytes; files whose content did not change are not rewritten.`;

export const ASSET_DIR = resolve(import.meta.dirname, "../../site/assets");

export function siteAssets(): { from: string; to: string }[] {
  // d3's package exports hide dist/; resolve the package root and take its prebuilt UMD bundle.
  const require = createRequire(import.meta.url);
  const entry = require.resolve("d3"); // …/node_modules/d3/src/index.js
  const d3 = join(dirname(entry), "..", "dist/d3.min.js");
  return [
    { from: d3, to: "assets/d3.min.js" },
    ...["site.css", "sort.js", "time.js", "lineage.js", "frontier.js", "favicon.svg"].map((f) => ({
      from: join(ASSET_DIR, f),
      to: `assets/${f}`,
    })),
  ];
}

export async function buildSite(
  repo: string,
  out: string,
  o: { dataRef?: string; log?: (s: string) => void } = {},
) {
  const t0 = performance.now();
  const logRaw = o.log ?? (() => undefined);
  const log = (s: string) => logRaw(`${s} [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
  const input = await loadSiteInput(repo, {
    ...(o.dataRef ? { dataRef: o.dataRef } : {}),
    onProgress: (s) => log(`site: ${s}`),
  });
  const model = buildModel(input);
  log(
    `site: model built (${model.submissions.size} submissions, ${model.lineage.edges.length} lineage edges)`,
  );
  const res = await writeSite(renderSite(model), siteAssets(), fsEffects(out), (n) =>
    log(`site: ${n} files rendered`),
  );
  log(
    `site: wrote ${res.written} of ${res.files} files (${res.unchanged} unchanged), ${(res.bytes / 1e6).toFixed(1)} MB, in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${out}`,
  );
  return { ...res, model };
}

export async function siteCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      repo: { type: "string" },
      out: { type: "string" },
      "data-ref": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (sub !== "build" || values.help) {
    if (sub === "build" || values.help || sub === "--help") return (io.out(HELP), 0);
    throw new UsageError(HELP);
  }
  const repo = resolve(io.cwd, values.repo ?? ".");
  const out = resolve(io.cwd, values.out ?? join(repo, "site/dist"));
  await buildSite(repo, out, {
    ...(values["data-ref"] ? { dataRef: values["data-ref"] } : {}),
    log: (s) => io.err(s),
  });
  io.out(out);
  return 0;
}
