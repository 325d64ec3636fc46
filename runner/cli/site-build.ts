import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { loadSiteInput } from "../adapters/site-source.ts";
import { fsEffects, writeSite } from "../adapters/site-writer.ts";
import { threadPagesInWorker } from "../adapters/thread-pages.ts";
import { buildModel } from "../core/site/model.ts";
import { linkBasis, renderSite } from "../core/site/render.ts";

// The site build itself, apart from the `site` command (site.ts): the command only starts a worker
// thread, which imports this module, so the parent thread never loads the build's dependencies.

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
  o: { dataRef?: string; log?: (s: string) => void; collectGarbage?: () => void } = {},
) {
  const t0 = performance.now();
  const logRaw = o.log ?? (() => undefined);
  // Each progress line says when (seconds since start) and how much memory the build holds (RSS).
  const log = (s: string) =>
    logRaw(
      `${s} [${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
        `${Math.round(process.memoryUsage.rss() / 2 ** 20)} MB]`,
    );
  const input = await loadSiteInput(repo, {
    ...(o.dataRef ? { dataRef: o.dataRef } : {}),
    onProgress: (s) => log(`site: ${s}`),
  });
  const model = buildModel(input);
  log(
    `site: model built (${model.submissions.size} submissions, ${model.lineage.edges.length} lineage edges)`,
  );
  // Loading leaves hundreds of MB of garbage that V8 would otherwise keep until well into
  // rendering, on top of the pages' own: collected here, the peak is about 250 MB lower.
  o.collectGarbage?.();
  const assets = siteAssets();
  // Thread pages (most of the markdown) are rendered by a second thread while this one does the rest;
  // a build that fails on either side ends the worker, so no page is written after the failure.
  const threads = threadPagesInWorker(linkBasis(model), out, model.threads);
  const res = await writeSite(
    renderSite(model, { threadPages: "elsewhere" }),
    assets,
    fsEffects(out),
    (n) => log(`site: ${n} files rendered here (thread pages: in a worker)`),
    threads.done,
  ).finally(threads.stop);
  log(
    `site: wrote ${res.written} of ${res.files} files (${res.unchanged} unchanged), ` +
      `${(res.bytes / 1e6).toFixed(1)} MB, in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${out}`,
  );
  return { ...res, model };
}
