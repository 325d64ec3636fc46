import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile, realpath, stat } from "node:fs/promises";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".js": "text/javascript",
  ".css": "text/css",
  ".xml": "application/atom+xml",
  ".svg": "image/svg+xml",
};

/** Why a request path is refused (400), or the site-relative path it names. */
type Resolved = { bad: string } | { rel: string };

/**
 * The site-relative path a request names, refusing anything that could leave the site folder: a
 * URL that does not decode, a NUL or backslash, a `.` or `..` segment (also when percent-encoded,
 * e.g. `/..%2f..%2fetc/passwd`), an encoded slash, an empty segment. Pure.
 */
export function sitePath(rawUrl: string): Resolved {
  const raw = rawUrl.split("?")[0]!.split("#")[0]!;
  if (!raw.startsWith("/")) return { bad: "the path must start with /" };
  if (/%2f|%5c/i.test(raw)) return { bad: "encoded slashes are not allowed" };
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { bad: "the path is not valid percent-encoding" };
  }
  if (/[\0\\]/.test(decoded)) return { bad: "the path holds a NUL or a backslash" };
  const segments = decoded.split("/").slice(1);
  if (segments.some((s) => s === "." || s === "..")) return { bad: "dot segments are not allowed" };
  // An empty segment (`//etc/passwd`) would make the path absolute once joined.
  if (segments.slice(0, -1).some((s) => s === "")) return { bad: "empty segments are not allowed" };
  const rel = segments.join("/");
  return { rel: rel === "" || rel.endsWith("/") ? `${rel}index.html` : rel };
}

/** Whether `file` lies inside `root` (both real paths); a sibling folder sharing a prefix does not. */
function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/** Answers one request: 400 for a bad path, 405 for a method other than GET/HEAD, 404 for anything not served. */
async function answer(realRoot: string, req: IncomingMessage, res: ServerResponse) {
  const plain = { "content-type": "text/plain; charset=utf-8" };
  if (req.method !== "GET" && req.method !== "HEAD")
    return res.writeHead(405, plain).end("method not allowed");
  const path = sitePath(req.url ?? "/");
  if ("bad" in path) return res.writeHead(400, plain).end(`bad request: ${path.bad}`);
  // The real path, links resolved: a symlink in the site that points outside it is not served.
  const file = await realpath(resolve(realRoot, path.rel)).catch(() => undefined);
  const isFile = file !== undefined && inside(realRoot, file) && (await stat(file)).isFile();
  if (!isFile) return res.writeHead(404, plain).end("not found");
  const body = await readFile(file);
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-cache",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** A static file server for the built site, on loopback only; it never serves outside `dir`. */
export async function serveDir(
  dir: string,
  port: number,
  host = "127.0.0.1",
): Promise<{ url: string; server: Server }> {
  const realRoot = await realpath(resolve(dir));
  const server = createServer((req, res) => {
    answer(realRoot, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("server error");
    });
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  const addr = server.address() as { port: number };
  return { url: `http://${host}:${addr.port}/`, server };
}
