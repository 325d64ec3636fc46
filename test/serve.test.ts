import { mkdir, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import { serveDir, sitePath } from "../runner/demo/serve.ts";
import { removeDir, tempDir } from "./helpers.ts";

// The demo's static server, attacked over real HTTP with raw request paths (a client library would
// normalise them first). Outside the site folder sit a secret file and a sibling folder whose name
// shares the site's prefix (`site` / `site-private`), the classic startsWith() hole.

let base: string;
let server: Server;
let port: number;

/** One raw GET: status and body. The path is sent exactly as written. */
function get(path: string, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => done({ status: res.statusCode!, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

beforeAll(async () => {
  base = await tempDir("velodrome-serve-");
  const site = join(base, "site");
  await mkdir(join(site, "api"), { recursive: true });
  await mkdir(join(base, "site-private"), { recursive: true });
  await writeFile(join(site, "index.html"), "<h1>home</h1>");
  await writeFile(join(site, "api", "index.html"), "{}");
  await writeFile(join(base, "secret.txt"), "SECRET");
  await writeFile(join(base, "site-private", "key.txt"), "SECRET");
  await symlink(join(base, "secret.txt"), join(site, "leak.txt"));
  await symlink(join(base, "site-private"), join(site, "private"));
  ({ server } = await serveDir(site, 0));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await removeDir(base);
});

describe("the demo server serves the site folder and nothing else", () => {
  it("serves pages, index.html for folders, and the right content type", async () => {
    expect(await get("/")).toEqual({ status: 200, body: "<h1>home</h1>" });
    expect(await get("/api/")).toEqual({ status: 200, body: "{}" });
    expect((await get("/index.html?x=1")).status).toBe(200);
    expect(await get("/nope.html")).toMatchObject({ status: 404 });
    expect(await get("/api")).toMatchObject({ status: 404 }); // a folder is not a file
  });

  it("refuses traversal, plain or encoded, with 400 and no secret", async () => {
    for (const path of [
      "/../secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e/secret.txt",
      "/%2e%2e%2fsecret.txt",
      "/api/..%2f..%2fsecret.txt",
      "/..%5csecret.txt",
      "/..\\secret.txt",
      "/../site-private/key.txt",
      "/%00",
      "//etc/passwd",
      "/.%2e/secret.txt",
    ]) {
      const r = await get(path);
      expect([400, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain("SECRET");
    }
    expect((await get("/..%2fsecret.txt")).status).toBe(400);
  });

  it("answers malformed URLs with 400 and keeps running", async () => {
    expect(await get("/%")).toMatchObject({ status: 400 });
    expect(await get("/%E0%A4%A")).toMatchObject({ status: 400 });
    expect(await get("/")).toMatchObject({ status: 200 }); // still up
  });

  it("does not follow symlinks out of the site folder; refuses absolute-form paths and other methods", async () => {
    expect(await get("/leak.txt")).toMatchObject({ status: 404 });
    expect(await get("/private/key.txt")).toMatchObject({ status: 404 });
    expect(await get("http://127.0.0.1/../secret.txt")).toMatchObject({ status: 400 });
    expect(await get("/index.html", "POST")).toMatchObject({ status: 405 });
  });

  it("sitePath is the one gate: only plain segments reach the file system", () => {
    expect(sitePath("/a/b.html")).toEqual({ rel: "a/b.html" });
    expect(sitePath("/a/")).toEqual({ rel: "a/index.html" });
    expect(sitePath("/a/%2E%2E/b")).toMatchObject({ bad: /dot segments/ });
    expect(sitePath("//etc/passwd")).toMatchObject({ bad: /empty segments/ });
  });
});
