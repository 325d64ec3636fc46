// The GitHub CLI as the workflows use it (GitHub-hosted runners have `gh`; this host may not):
// `gh workflow run FILE --repo OWNER/REPO --ref REF -f key=value …`, sent as the CLI sends it, to
// the dispatch endpoint of GITHUB_API_URL (the local GitHub stand-in), with GH_TOKEN. Any other
// command fails loudly, so a workflow that starts using more of gh shows up here.
const args = process.argv.slice(2);
const fail = (message) => {
  console.error(`gh (velodrome stand-in): ${message}`);
  process.exit(1);
};
if (args[0] !== "workflow" || args[1] !== "run" || !args[2])
  fail(`only \`gh workflow run FILE\` is played, not \`gh ${args.join(" ")}\``);
const workflow = args[2];
let repo = process.env.GITHUB_REPOSITORY;
let ref;
const inputs = {};
for (let i = 3; i < args.length; i++) {
  const a = args[i];
  if (a === "--repo" || a === "-R") repo = args[++i];
  else if (a === "--ref" || a === "-r") ref = args[++i];
  else if (a === "-f" || a === "--raw-field" || a === "-F" || a === "--field") {
    const kv = args[++i] ?? "";
    const at = kv.indexOf("=");
    if (at < 1) fail(`${a} ${kv}: expected key=value`);
    inputs[kv.slice(0, at)] = kv.slice(at + 1);
  } else fail(`unknown argument ${a}`);
}
const token = process.env.GH_TOKEN ?? process.env.GITHUB_TOKEN;
if (!token) fail("no GH_TOKEN");
const url = `${process.env.GITHUB_API_URL}/repos/${repo}/actions/workflows/${encodeURIComponent(workflow)}/dispatches`;
const r = await fetch(url, {
  method: "POST",
  headers: {
    authorization: `token ${token}`,
    accept: "application/vnd.github+json",
    "content-type": "application/json",
  },
  body: JSON.stringify({ ref, inputs }),
});
if (!r.ok) fail(`POST ${url} answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
console.log(`✓ Created workflow_dispatch event for ${workflow} at ${ref}`);
