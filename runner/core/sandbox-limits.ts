import type { Challenge } from "./schema/challenge.ts";
import type { SandboxLimits } from "../ports.ts";

/** The sandbox limits a challenge sets (`hardware.sandbox`) over the runner's defaults; unset fields keep them. */
export function challengeLimits(
  defaults: SandboxLimits,
  challenge: Pick<Challenge, "hardware">,
): SandboxLimits {
  const s = challenge.hardware.sandbox;
  if (!s) return defaults;
  return {
    ...defaults,
    ...(s.memory_gib !== undefined ? { memoryBytes: Math.round(s.memory_gib * 1024 ** 3) } : {}),
    ...(s.tmp_mib !== undefined ? { tmpBytes: s.tmp_mib * 1024 ** 2 } : {}),
    ...(s.shm_mib !== undefined ? { shmBytes: s.shm_mib * 1024 ** 2 } : {}),
  };
}
