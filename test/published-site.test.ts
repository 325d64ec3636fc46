/**
 * `velodrome digest --site URL` reads someone else's server: a body with no length is read only
 * up to the cap (a real local HTTP server streams more than the cap); a copy's odd files are refused.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { readPublishedSite } from "../runner/adapters/published-site.ts";
import { ValidationFailed } from "../runner/core/errors.ts";

describe("digest --site against a hostile server", () => {
  it("stops reading a chunked body past the cap instead of taking it all into memory", async () => {
    const total = 48 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let finished = false;
    const server = createServer((_req, res) => {
      let sent = 0;
      res.writeHead(200, { "content-type": "application/json" }); // no content-length: chunked
      const more = () => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        if (!res.destroyed) res.end(() => (finished = true));
      };
      more();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const read = readPublishedSite({ url: new URL(`http://127.0.0.1:${port}/`) });
      await expect(read).rejects.toBeInstanceOf(ValidationFailed);
      await expect(read).rejects.toThrow(/: over the 16777216 bytes read$/);
      // The client hung up: the server never got to send a whole body.
      expect(finished).toBe(false);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("--from refuses a file that is not a regular file (a FIFO would be read forever)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "velodrome-site-"));
    try {
      mkdirSync(join(dir, "api"));
      execFileSync("mkfifo", [join(dir, "api/digest.json")]);
      const read = readPublishedSite({ dir });
      await expect(read).rejects.toBeInstanceOf(ValidationFailed);
      await expect(read).rejects.toThrow(/api\/digest\.json: not a regular file$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
