import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { WorkFiles } from "../ports.ts";

/**
 * Where one engine launch keeps its scratch folder and log. The engine sees its scratch path (it is
 * bound at the same path inside the sandbox) and may see its log's path (its stdout), so neither
 * may say what the launch is for: a plain-decode reference, a timed block or the private
 * confirmation all get `launch-<random hex>`. What the launch was for is written beside the log,
 * in a file the engine has no handle on, for whoever reads the logs later.
 */
export interface LaunchPaths {
  scratch: string;
  logFile: string;
}

/** Fresh, role-free paths for one launch under `workDir`, with its role noted in `logs/<name>.role`. */
export async function launchPaths(files: WorkFiles, workDir: string, role: string): Promise<LaunchPaths> {
  // Short: the engine's socket lives in the scratch folder, and a Unix socket path holds 107 bytes.
  const name = `launch-${randomBytes(5).toString("hex")}`;
  const logFile = join(workDir, "logs", `${name}.log`);
  await files.write(join(workDir, "logs", `${name}.role`), role + "\n");
  return { scratch: join(workDir, name), logFile };
}
