import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { NotFound, ValidationFailed } from "../core/errors.ts";
import { participantDigestPath, SITE_FILES, type PublishedFiles } from "../core/digest-site.ts";

/**
 * Reads the JSON files `velodrome digest --site/--from` needs from a published site: over HTTP(S)
 * from its address, or from a folder holding a copy (a download, or `site/dist` after a build).
 * The site is someone else's server: each file is capped in size and time, and a failure names the
 * file and what went wrong.
 */

/** No published file the digest reads comes near this (the leaderboard of a big contest is < 1 MB). */
const MAX_BYTES = 16 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export type SiteSource = { url: URL } | { dir: string };

async function fetchJson(base: URL, path: string): Promise<unknown> {
  const url = new URL(path, base);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "follow" });
  } catch (e) {
    throw new NotFound(`${url.href}: could not be fetched (${(e as Error).message})`);
  }
  if (!res.ok) throw new NotFound(`${url.href}: HTTP ${res.status} (is ${base.href} the challenge's site?)`);
  const size = Number(res.headers.get("content-length") ?? 0);
  if (size > MAX_BYTES) throw new ValidationFailed(`${url.href}: ${size} bytes, over the ${MAX_BYTES} read`);
  return parseJson(url.href, await boundedBody(url, res));
}

/**
 * The body, read up to the cap and no further: a server that sends no length (chunked) could
 * otherwise stream gigabytes into memory before any check (`res.text()` reads it all first).
 */
async function boundedBody(url: URL, res: Response): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  try {
    for (let r = await reader?.read(); r && !r.done; r = await reader!.read()) {
      total += r.value.byteLength;
      if (total > MAX_BYTES) throw new ValidationFailed(`${url.href}: over the ${MAX_BYTES} bytes read`);
      chunks.push(r.value);
    }
  } catch (e) {
    await reader?.cancel().catch(() => undefined);
    if (e instanceof ValidationFailed) throw e;
    throw new NotFound(`${url.href}: its body could not be read (${(e as Error).message})`);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readJson(dir: string, path: string): Promise<unknown> {
  const file = join(dir, path);
  const info = await stat(file).catch(() => {
    throw new NotFound(`${file}: not found (is ${dir} the root of a built Velodrome site?)`);
  });
  // A downloaded copy is as hostile as the server: a link to /dev/zero or a FIFO has no size to
  // check and would be read forever.
  if (!info.isFile()) throw new ValidationFailed(`${file}: not a regular file`);
  const size = info.size;
  if (size > MAX_BYTES) throw new ValidationFailed(`${file}: ${size} bytes, over the ${MAX_BYTES} read`);
  return parseJson(file, await readFile(file, "utf8"));
}

function parseJson(where: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ValidationFailed(`${where}: not JSON`);
  }
}

/** The site's digest, leaderboard, queue and frontier; the participant's digest when `login` is set. */
export async function readPublishedSite(source: SiteSource, login?: string): Promise<PublishedFiles> {
  const get = (path: string) => ("url" in source ? fetchJson(source.url, path) : readJson(source.dir, path));
  const [digest, leaderboard, queue, frontier, participant] = await Promise.all([
    get(SITE_FILES.digest),
    get(SITE_FILES.leaderboard),
    get(SITE_FILES.queue),
    get(SITE_FILES.frontier),
    login === undefined ? undefined : get(participantDigestPath(login)),
  ]);
  return { digest, leaderboard, queue, frontier, ...(login === undefined ? {} : { participant }) };
}
