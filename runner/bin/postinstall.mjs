#!/usr/bin/env node
// npm's `postinstall` of this package (runs after `npm ci` / `npm install`): keeps node_modules
// small. Plain JavaScript with no dependencies, like start.mjs.
//
// @octokit/openapi (GitHub's official OpenAPI description) ships ten variants of the description,
// 385 MB unpacked: api.github.com, GHEC and three GHES versions, each plain and dereferenced. The
// local GitHub stand-in (runner/adapters/github/local-github-spec.ts) reads one of them,
// generated/api.github.com.json (13 MB), and validates every request and response against it. npm
// has no option to install part of a package, so the other nine files are deleted here. The file
// kept is untouched: npm checked the package's tarball against the lockfile's integrity hash, so
// the stand-in is still checked against the published description, byte for byte.
//
// Optional: with `npm ci --ignore-scripts` nothing is deleted and everything works, only larger.
// Usage: node runner/bin/postinstall.mjs [ROOT] (the folder holding node_modules; this checkout's
// by default).
import { readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The files of @octokit/openapi's generated/ folder that the project reads. */
export const OPENAPI_KEPT = ["api.github.com.json"];

/** Deletes the unread description variants; returns the names deleted (none when not installed). */
export function trimOpenapi(root) {
  const dir = join(root, "node_modules/@octokit/openapi/generated");
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const gone = names.filter((n) => n.endsWith(".json") && !OPENAPI_KEPT.includes(n));
  for (const n of gone) rmSync(join(dir, n), { force: true });
  return gone;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "../.."));
  const gone = trimOpenapi(root);
  if (gone.length) console.log(`velodrome: removed ${gone.length} unused @octokit/openapi variants`);
}
