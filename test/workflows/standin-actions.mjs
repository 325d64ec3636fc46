// Local stand-ins for the third-party actions the workflows use, run by act (host mode) in place of
// actions/checkout, setup-node, upload-artifact, download-artifact, upload-pages-artifact and
// deploy-pages (mapped with act's --local-repository; see harness.ts). Each does the part of the
// real action the workflows rely on, against the local GitHub stand-in and act's own artifact
// server (its v4 Twirp API, the one @actions/artifact speaks), so a step that would fail on GitHub
// fails here too: a missing artifact fails the download, a missing ref fails the checkout.
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

const input = (name, fallback = "") => {
  const v = process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`];
  return v === undefined || v === "" ? fallback : v;
};
const output = (k, v) => appendFileSync(process.env.GITHUB_OUTPUT, `${k}=${v}\n`);
const sh = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"] }).toString();
const fail = (message) => {
  console.log(`::error::${message}`);
  process.exit(1);
};

/** actions/checkout: a clone of the repository at GITHUB_SERVER_URL, at `ref` (default the event's SHA). */
function checkout() {
  const ws = process.env.GITHUB_WORKSPACE;
  const dest = resolve(ws, input("path", "."));
  if (dest === ws) for (const f of readdirSync(ws)) rmSync(join(ws, f), { recursive: true, force: true });
  else rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const ref = input("ref", process.env.GITHUB_SHA);
  const depth = input("fetch-depth", "1");
  const url = `${process.env.GITHUB_SERVER_URL}/${input("repository", process.env.GITHUB_REPOSITORY)}.git`;
  sh("git", ["init", "-q", "-b", "checkout"], dest);
  sh("git", ["remote", "add", "origin", url], dest);
  const shallow = depth === "0" ? [] : [`--depth=${depth}`];
  if (depth === "0")
    sh("git", ["fetch", "-q", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*"], dest);
  try {
    sh("git", ["fetch", "-q", "--no-tags", ...shallow, "origin", ref], dest);
  } catch {
    fail(`checkout: ${url} has no ref ${ref}`);
  }
  sh("git", ["checkout", "-q", "--detach", "FETCH_HEAD"], dest);
  console.log(`checkout: ${ref} at ${sh("git", ["rev-parse", "HEAD"], dest).trim()} into ${dest}`);
}

/** actions/setup-node: node is the host's; `npm ci` links the project's installed node_modules. */
function setupNode() {
  const bin = join(process.env.RUNNER_TEMP, "standin-node");
  mkdirSync(bin, { recursive: true });
  const npm = sh("bash", ["-c", "command -v npm"]).trim();
  writeFileSync(
    join(bin, "npm"),
    `#!/bin/sh\nif [ "$1" = ci ]; then rm -rf node_modules && ln -s "${process.env.VELODROME_NODE_MODULES}" node_modules && exit 0; fi\nexec "${npm}" "$@"\n`,
  );
  chmodSync(join(bin, "npm"), 0o755);
  appendFileSync(process.env.GITHUB_PATH, `${bin}\n`);
}

/** The act artifact server's v4 API (Twirp, JSON), as the runtime token scopes it. */
function runtime() {
  const token = process.env.ACTIONS_RUNTIME_TOKEN;
  const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  const [, runId, jobId] = claims.scp.split(":");
  const base = `${process.env.ACTIONS_RESULTS_URL.replace(/\/$/, "")}/twirp/github.actions.results.api.v1.ArtifactService`;
  const call = async (method, body) => {
    const r = await fetch(`${base}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (!r.ok) fail(`artifact server: ${method} answered ${r.status}`);
    return r.json();
  };
  return { runId, jobId, call };
}

/** Files matched by upload-artifact's `path` (one pattern: a file, a folder or a `*` glob), and their root. */
function matched(pattern) {
  const abs = resolve(process.env.GITHUB_WORKSPACE, pattern);
  const files = sh("bash", [
    "-c",
    'shopt -s nullglob globstar; for p in $1; do if [ -d "$p" ]; then find "$p" -type f; elif [ -f "$p" ]; then echo "$p"; fi; done',
    "_",
    abs,
  ])
    .split("\n")
    .filter(Boolean);
  // The root the files are stored relative to: the folder itself, a file's folder, or the part of a
  // glob before its first wildcard segment (as upload-artifact's least common ancestor).
  let root = abs;
  if (abs.includes("*")) root = abs.slice(0, abs.indexOf("*")).replace(/\/[^/]*$/, "");
  else if (files.length && !statSync(abs).isDirectory()) root = dirname(abs);
  return { files, root };
}

async function uploadZip(name, zip) {
  const { runId, jobId, call } = runtime();
  const ids = { workflowRunBackendId: runId, workflowJobRunBackendId: jobId };
  const created = await call("CreateArtifact", { ...ids, name, version: 4 });
  const put = await fetch(`${created.signedUploadUrl}&comp=block`, { method: "PUT", body: zip });
  if (!put.ok) fail(`artifact server: upload of ${name} answered ${put.status}`);
  await call("FinalizeArtifact", { ...ids, name, size: String(zip.length) });
  console.log(`upload-artifact: ${name} (${zip.length} bytes) in run ${runId}`);
}

async function uploadArtifact() {
  const name = input("name", "artifact");
  const { files, root } = matched(input("path"));
  if (!files.length) {
    const how = input("if-no-files-found", "warn");
    if (how === "error") fail(`upload-artifact: no files found at ${input("path")}`);
    console.log(
      `::warning::No files were found with the provided path: ${input("path")}. No artifacts will be uploaded.`,
    );
    return;
  }
  const tmp = join(process.env.RUNNER_TEMP, `upload-${Date.now()}.zip`);
  execFileSync("zip", ["-q", "-X", tmp, ...files.map((f) => relative(root, f))], { cwd: root });
  await uploadZip(name, readFileSync(tmp));
}

async function downloadArtifact() {
  const { runId, call } = runtime();
  const run = input("run-id", runId);
  const name = input("name");
  const pattern = input("pattern");
  const dest = resolve(process.env.GITHUB_WORKSPACE, input("path", "."));
  // act's server fails the listing of a run with no artifact yet (GitHub answers an empty list).
  const list = await call("ListArtifacts", { workflowRunBackendId: run, workflowJobRunBackendId: "0" }).catch(
    () => ({ artifacts: [] }),
  );
  const re = new RegExp(
    `^${(pattern || name || ".*").replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`,
  );
  const chosen = (list.artifacts ?? []).filter((a) => re.test(a.name));
  if (name && !chosen.length) fail(`download-artifact: Artifact not found for name: ${name} (run ${run})`);
  for (const a of chosen) {
    const { signedUrl } = await call("GetSignedArtifactURL", {
      workflowRunBackendId: run,
      workflowJobRunBackendId: "0",
      name: a.name,
    });
    const zip = Buffer.from(await (await fetch(signedUrl)).arrayBuffer());
    const into = name || input("merge-multiple") === "true" ? dest : join(dest, a.name);
    mkdirSync(into, { recursive: true });
    const tmp = join(process.env.RUNNER_TEMP, `download-${basename(a.name)}-${Date.now()}.zip`);
    writeFileSync(tmp, zip);
    execFileSync("unzip", ["-q", "-o", tmp, "-d", into]);
    console.log(`download-artifact: ${a.name} of run ${run} into ${into}`);
  }
}

/** upload-pages-artifact: the folder as `artifact.tar` in the artifact `github-pages`. */
async function uploadPagesArtifact() {
  const dir = resolve(process.env.GITHUB_WORKSPACE, input("path", "_site/"));
  const tmp = join(process.env.RUNNER_TEMP, "pages");
  mkdirSync(tmp, { recursive: true });
  execFileSync("tar", ["-cf", join(tmp, "artifact.tar"), "-C", dir, "."]);
  execFileSync("zip", ["-q", "-X", join(tmp, "pages.zip"), "artifact.tar"], { cwd: tmp });
  await uploadZip(input("name", "github-pages"), readFileSync(join(tmp, "pages.zip")));
}

/** deploy-pages: the run's `github-pages` artifact unpacked into the folder that stands for the Pages site. */
async function deployPages() {
  const site = process.env.VELODROME_PAGES_DIR;
  if (!site) fail("deploy-pages: VELODROME_PAGES_DIR is not set (the stand-in's Pages site)");
  const { runId, call } = runtime();
  const { signedUrl } = await call("GetSignedArtifactURL", {
    workflowRunBackendId: runId,
    workflowJobRunBackendId: "0",
    name: "github-pages",
  });
  const zip = Buffer.from(await (await fetch(signedUrl)).arrayBuffer());
  if (!zip.length) fail("deploy-pages: no github-pages artifact in this run");
  const tmp = join(process.env.RUNNER_TEMP, "deploy");
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, "pages.zip"), zip);
  execFileSync("unzip", ["-q", "-o", join(tmp, "pages.zip"), "-d", tmp]);
  rmSync(site, { recursive: true, force: true });
  mkdirSync(site, { recursive: true });
  execFileSync("tar", ["-xf", join(tmp, "artifact.tar"), "-C", site]);
  writeFileSync(join(site, ".deployed-by-run"), `${runId}\n`);
  output("page_url", `file://${site}/`);
  console.log(`deploy-pages: run ${runId} deployed to ${site}`);
}

export const ACTIONS = {
  checkout,
  "setup-node": setupNode,
  "upload-artifact": uploadArtifact,
  "download-artifact": downloadArtifact,
  "upload-pages-artifact": uploadPagesArtifact,
  "deploy-pages": deployPages,
};
