import { DeadlinePassed } from "../../core/errors.ts";
import type { Outcome } from "./types.ts";

/** A failure as the run's outcome (never a throw): a passed cap keeps its message whole. */
export function failed(e: unknown): Outcome {
  const reason = e instanceof DeadlinePassed ? e.message : `${(e as Error).message}`.slice(0, 2000);
  const byIncumbent = armOf(e) === "incumbent";
  return { status: "error", reason, ...(byIncumbent ? { failedArm: "incumbent" as const } : {}) };
}

/** Tags a launch's failure with the arm whose engine caused it (never a passed cap: nobody's fault). */
export function tagArm(e: unknown, arm: "candidate" | "incumbent"): unknown {
  if (e instanceof Error && !(e instanceof DeadlinePassed) && armOf(e) === undefined)
    Object.defineProperty(e, "arm", { value: arm, enumerable: true });
  return e;
}

/** The arm whose engine caused a failure, when a launch tagged it. */
export function armOf(e: unknown): string | undefined {
  const arm = e instanceof Error ? (e as Error & { arm?: unknown }).arm : undefined;
  return typeof arm === "string" ? arm : undefined;
}
