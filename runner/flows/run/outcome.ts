import { DeadlinePassed } from "../../core/errors.ts";
import type { Outcome } from "./types.ts";

/** A failure as the run's outcome (never a throw): a passed cap keeps its message whole. */
export function failed(e: unknown): Outcome {
  const reason = e instanceof DeadlinePassed ? e.message : `${(e as Error).message}`.slice(0, 2000);
  return { status: "error", reason };
}
