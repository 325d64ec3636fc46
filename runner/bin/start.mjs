#!/usr/bin/env node
// `npm start` (and `npm run check`, through its precheck hook): the commands after cloning. Plain JavaScript with no dependencies, so it can
// install them first (npm ci) when node_modules is missing, then hand over to `velodrome demo`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
if (!existsSync(join(root, "node_modules/tsx"))) {
  console.log("velodrome: installing dependencies (npm ci) …");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// `--deps-only` (npm's precheck hook): install what is missing, run nothing else.
if (process.argv.includes("--deps-only")) process.exit(0);
const r = spawnSync(
  process.execPath,
  [join(root, "runner/bin/velodrome.mjs"), "demo", ...process.argv.slice(2)],
  { cwd: process.cwd(), stdio: "inherit" },
);
process.exit(r.status ?? 1);
