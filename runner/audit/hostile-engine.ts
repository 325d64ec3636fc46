// A hostile engine, shipped for `velodrome audit`. It is started exactly as a real engine is (same
// launcher, same sandbox), tries every escape in the plan the auditor left in its working directory
// (`audit-plan.json`), writes what it got to `audit-report.json`, then answers /health and
// /v1/models so that the launcher sees a healthy engine. The auditor never trusts the report alone:
// each verdict rests on evidence the auditor observes from outside (a connection it received, a
// file it finds written, a canary it finds in the engine's output, a heartbeat that keeps going).
import { spawn, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
  closeSync,
} from "node:fs";
import { createServer } from "node:http";
import { connect } from "node:net";
import { parseArgs } from "node:util";
import { CLIENT_ATTACKS, ENGINE_CANARY } from "./client-attacks.ts";

export interface AuditPlan {
  /** TCP port on 127.0.0.1 where the auditor listens for a connection that must never come. */
  netPort: number;
  /** A file outside the sandbox holding a canary (stands for the private prompt set). */
  privateFile: string;
  /** A file in the runner's checkout (stands for earlier runs' raw results; holds a canary). */
  checkoutFile: string;
  /** A credentials file of the runner's (holds a canary token). */
  credentialFile: string;
  /** Files the engine must not be able to create (the runner's checkout, the result file). */
  writeTargets: string[];
  /** How many processes to try to start (more than the sandbox allows). */
  forkTarget: number;
  /** How many MiB to try to allocate (more than the sandbox allows). */
  memoryTargetMiB: number;
  /** How many MiB to try to write into scratch (more than the largest file allowed). */
  diskTargetMiB: number;
  /** Submission code the engine loads (a kernel under kernels/): its own port and write target. */
  kernel: { netPort: number; writeTarget: string };
}

type Report = Record<string, string | number>;

function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    const done = (r: string) => {
      s.destroy();
      resolve(r);
    };
    s.on("connect", () => done("connected"));
    s.on("error", (e: NodeJS.ErrnoException) => done(`denied: ${e.code}`));
    setTimeout(() => done("denied: timeout"), 2000);
  });
}

function tryRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    return `denied: ${(e as NodeJS.ErrnoException).code}`;
  }
}

function tryWrite(path: string): string {
  try {
    writeFileSync(path, "owned by the engine");
    return "written";
  } catch (e) {
    return `denied: ${(e as NodeJS.ErrnoException).code}`;
  }
}

/** Everything the process can see of credentials: its env and its ancestors' (via /proc). */
function harvestCredentials(credentialFile: string): string {
  const seen = [JSON.stringify(process.env)];
  for (const pid of [String(process.ppid), "1"]) seen.push(tryRead(`/proc/${pid}/environ`));
  for (const f of [credentialFile, "/root/.git-credentials", `${process.env.HOME}/.npmrc`])
    seen.push(tryRead(f));
  return seen.join("\n");
}

/** Starts a detached daemon (its own session) that appends a heartbeat to `file` forever. */
function startDaemon(file: string): void {
  const loop = `setInterval(() => require("fs").appendFileSync(${JSON.stringify(file)}, "."), 100)`;
  const child = spawn(process.execPath, ["-e", loop], { detached: true, stdio: "ignore" });
  child.unref();
}

/** Starts `target` sleeping processes, or as many as the limits allow; then ends them. */
function forkBomb(target: number): number {
  const kids: ChildProcess[] = [];
  let started = 0;
  for (let i = 0; i < target; i++) {
    try {
      const c = spawn("/bin/sleep", ["30"], { stdio: "ignore" });
      let failed = false;
      c.on("error", () => (failed = true));
      if (c.pid === undefined || failed) break;
      kids.push(c);
      started++;
    } catch {
      break;
    }
  }
  for (const c of kids) c.kill("SIGKILL");
  return started;
}

/** Allocates (and touches) memory in 64 MiB pieces until refused or `targetMiB` is reached. */
function memoryHog(targetMiB: number): number {
  const held: Buffer[] = [];
  try {
    while (held.length * 64 < targetMiB) held.push(Buffer.alloc(64 * 1024 ** 2, 1));
  } catch {
    /* refused: the limit held */
  }
  const got = held.length * 64;
  held.length = 0;
  return got;
}

/** Writes `targetMiB` into one file in scratch, and as much into /tmp, until refused. */
function diskFill(path: string, targetMiB: number): number {
  const chunk = Buffer.alloc(1024 ** 2, 7);
  let written = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, "w");
    while (written < targetMiB) {
      writeSync(fd, chunk);
      written++;
    }
  } catch {
    /* refused */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return written;
}

/**
 * Submission code the validator admits (a file under the submission's kernels/ folder, which the
 * engine loads): run as a separate program, it tries the network and a write outside scratch.
 */
function runKernel(k: AuditPlan["kernel"]): string {
  const code =
    `const n=require("net").connect({host:"127.0.0.1",port:${k.netPort}});n.on("error",()=>{});` +
    `try{require("fs").writeFileSync(${JSON.stringify(k.writeTarget)},"kernel")}catch{}` +
    `setTimeout(()=>process.exit(0),1500)`;
  try {
    writeFileSync("kernel.js", code);
    const child = spawn(process.execPath, ["kernel.js"], { stdio: "ignore" });
    child.on("error", () => undefined); // refused by the limits: that is an answer too
    return child.pid ? "ran" : "not started";
  } catch (e) {
    return `denied: ${(e as Error).message.slice(0, 40)}`;
  }
}

/** Each attack in turn; the report is rewritten after each, so a kill mid-way still leaves evidence. */
async function attack(plan: AuditPlan): Promise<Report> {
  const r: Report = { uid: process.getuid?.() ?? -1, gpu: Number(existsSync("/dev/nvidiactl")) };
  const save = () => writeFileSync("audit-report.json", JSON.stringify(r));
  r.net = await tryConnect(plan.netPort);
  r.private = tryRead(plan.privateFile);
  r.checkout = tryRead(plan.checkoutFile);
  r.credentials = harvestCredentials(plan.credentialFile);
  // Anything read is written back where the runner might pick it up: the exfiltration attempt.
  appendFileSync("leak.txt", `${r.private}\n${r.checkout}\n${r.credentials}\n`);
  plan.writeTargets.forEach((t, i) => (r[`write${i}`] = tryWrite(t)));
  save();
  startDaemon(`${process.cwd()}/heartbeat`);
  r.forked = forkBomb(plan.forkTarget);
  save();
  r.memoryMiB = memoryHog(plan.memoryTargetMiB);
  save();
  r.diskMiB = diskFill(`${process.cwd()}/fill.bin`, plan.diskTargetMiB);
  save();
  // The fork bomb's children are reaped first, so the pid limit does not stop the kernel instead.
  await new Promise((ok) => setTimeout(ok, 300));
  r.kernel = runKernel(plan.kernel);
  save();
  return r;
}

const choice = (id: number) => ({ index: 0, text: "x", token_ids: [id], finish_reason: null });
const event = (id: number) =>
  `data: ${JSON.stringify({ id: "a", object: "text_completion", created: 1, model: "m", choices: [choice(id)] })}\n\n`;

/** Writes `chunk()` every `ms` until the client hangs up. */
function forever(res: import("node:http").ServerResponse, ms: number, chunk: () => string) {
  const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(chunk())), ms);
  res.on("close", () => clearInterval(t));
}

/**
 * Engine-side attacks on the trusted client, chosen by the prompt's first token: a flood of bytes,
 * a stream that never ends, a valid answer dripped a byte at a time, a malformed stream carrying
 * markup, and an engine that is fast on one prompt and stalls on another (as on private prompts).
 */
function hostileCompletion(body: string, res: import("node:http").ServerResponse) {
  const first = (JSON.parse(body) as { prompt: number[] }).prompt[0];
  res.writeHead(200, { "content-type": "text/event-stream" });
  const whole = [1, 2, 3, 4].map(event).join("") + "data: [DONE]\n\n";
  if (first === CLIENT_ATTACKS.flood) forever(res, 1, () => "x".repeat(1 << 20));
  else if (first === CLIENT_ATTACKS.endless) forever(res, 5, () => event(9));
  else if (first === CLIENT_ATTACKS.drip) {
    let i = 0;
    forever(res, 20, () => whole[i++] ?? "");
  } else if (first === CLIENT_ATTACKS.malformed)
    res.end(`${event(1)}data: {${ENGINE_CANARY}\n\ndata: [DONE]\n\n`);
  else if (first === CLIENT_ATTACKS.privateStall) forever(res, 1000, () => event(9).slice(0, 1));
  else res.end(whole);
}

/** Answers the launcher's health checks (and the auditor's client attacks) until it is stopped. */
function serve(listen: string, served: string): void {
  const server = createServer((req, res) => {
    if (req.url === "/v1/completions") {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => hostileCompletion(body, res));
      return;
    }
    res.setHeader("content-type", "application/json");
    if (req.url === "/v1/models")
      res.end(JSON.stringify({ object: "list", data: [{ id: served, object: "model" }] }));
    else res.end("{}");
  });
  server.listen(listen.replace(/^unix:/, ""));
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  strict: false,
  options: {
    listen: { type: "string" },
    "served-name": { type: "string" },
    // Only the attacks, then exit: as submission code a real engine runs (runner/audit/kernel-route.ts).
    "attack-only": { type: "boolean" },
  },
});
const plan = JSON.parse(readFileSync("audit-plan.json", "utf8")) as AuditPlan;
await attack(plan);
if (values["attack-only"]) process.exit(0);
serve(String(values.listen), String(values["served-name"] ?? "velodrome"));
