import type { Challenge } from "../core/schema/challenge.ts";
import type { Submission } from "../core/schema/submission.ts";
import type { EngineClient, EngineLauncher, WorkFiles } from "../ports.ts";
import { timedRequest } from "./engine-requests.ts";
import { launchPaths } from "./launch-paths.ts";

/**
 * `velodrome doctor`: a runner host's preflight. Each check says what it found, and when it
 * fails, what to do about it. Checks that need an earlier one (a decode needs the sandbox and the
 * engine) are skipped, not failed, when that one failed: the first failure is the one to fix.
 */

export type CheckStatus = "pass" | "fail" | "skip";

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do, on a failure. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  engine: string;
  sandbox: string;
  checks: DoctorCheck[];
}

/** A check that throws DoctorProblem fails with its fix; anything else it throws fails too. */
export class DoctorProblem extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

export interface DoctorStep {
  name: string;
  /** Names of steps that must have passed first. */
  needs?: string[];
  /** Resolves to the detail of a pass; "skip: …" marks a skip (nothing to check here). */
  run: () => Promise<string>;
}

async function runStep(step: DoctorStep, done: DoctorCheck[]): Promise<DoctorCheck> {
  const blocked = (step.needs ?? []).find((n) => done.find((c) => c.name === n)?.status !== "pass");
  if (blocked) return { name: step.name, status: "skip", detail: `needs \`${blocked}\` to pass first` };
  try {
    const detail = await step.run();
    if (detail.startsWith("skip: ")) return { name: step.name, status: "skip", detail: detail.slice(6) };
    return { name: step.name, status: "pass", detail };
  } catch (e) {
    const err = e as Error;
    return {
      name: step.name,
      status: "fail",
      detail: err.message,
      fix: e instanceof DoctorProblem ? e.fix : "see the message above",
    };
  }
}

export async function runDoctor(
  steps: DoctorStep[],
  meta: { engine: string; sandbox: string },
): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  for (const step of steps) checks.push(await runStep(step, checks));
  return { ok: checks.every((c) => c.status !== "fail"), ...meta, checks };
}

export interface DecodeCheck {
  launcher: EngineLauncher;
  client: EngineClient;
  files: WorkFiles;
  challenge: Challenge;
  manifest: Submission;
  prompt: number[];
  /** The greedy output the engine must reproduce exactly. */
  reference: readonly number[];
  workDir: string;
  startTimeoutMs: number;
}

/** One launch in the sandbox, one greedy decode, compared token by token with the reference. */
export async function decodeInSandbox(o: DecodeCheck): Promise<string> {
  const { scratch, logFile } = await launchPaths(o.files, o.workDir, "doctor");
  await o.files.mkdir(scratch);
  const engine = await o.launcher
    .launch({
      slug: "doctor",
      manifest: o.manifest,
      challenge: o.challenge,
      scratch,
      logFile,
      startTimeoutMs: o.startTimeoutMs,
    })
    .catch((e: Error) => {
      throw new DoctorProblem(
        `the engine did not start in the sandbox: ${e.message.split("\n").slice(0, 8).join("\n")}`,
        `read the engine log (${logFile}); a sandbox problem shows there first`,
      );
    });
  try {
    const m = await o.client.stream(engine.endpoint, timedRequest(o.challenge, o.prompt), 120_000);
    const same = m.tokens.length === o.reference.length && m.tokens.every((t, i) => t === o.reference[i]);
    if (!same)
      throw new DoctorProblem(
        `decoded [${m.tokens.join(", ")}], the reference is [${o.reference.join(", ")}]`,
        "this engine build decodes differently from the reference: check the pinned vLLM version, " +
          "dtype and the model files",
      );
    return `started in ${(engine.startMs / 1000).toFixed(1)} s; ${m.tokens.length} tokens identical to the reference`;
  } finally {
    await engine.stop();
    await o.files.remove(scratch);
  }
}
