import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What one launch adds under its work folder: `/launch-<10 hex>/engine.sock` (flows/launch-paths.ts). */
const LAUNCH_TAIL = "/launch-0123456789/engine.sock";

/** The kernel's limit on a Unix socket path (108 bytes with the terminating NUL). */
const SOCKET_PATH_MAX = 107;

/**
 * A work folder in which every engine's Unix socket path fits the kernel's limit: `preferred` when
 * it fits with `below` more bytes of sub-folders under it (a run id, say), otherwise a fresh
 * folder under the system's temp directory. A checkout in a deep folder (`/home/<user>/src/…`, a
 * runner's `_work/<repo>/<repo>`) would otherwise fail every launch with "socket path too long".
 */
export async function fittingWorkFolder(preferred: string, below = 0): Promise<string> {
  if (Buffer.byteLength(preferred) + below + LAUNCH_TAIL.length <= SOCKET_PATH_MAX) return preferred;
  return mkdtemp(join(tmpdir(), "velodrome-"));
}
