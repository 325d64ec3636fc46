import { execFile } from "node:child_process";
import { cpus } from "node:os";

/**
 * What the run ran on, for the record: GPU name, driver and clocks from nvidia-smi when there is
 * one, otherwise the CPU model and core count.
 */
export async function describeHardware(): Promise<string> {
  const gpu = await new Promise<string | undefined>((resolve) => {
    execFile(
      "nvidia-smi",
      ["--query-gpu=name,driver_version,clocks.sm,clocks.mem,power.limit", "--format=csv,noheader"],
      { timeout: 10_000 },
      (err, out) => resolve(err ? undefined : out.trim()),
    );
  });
  if (gpu)
    return gpu
      .split("\n")
      .map((l, i) => `GPU${i}: ${l.trim()}`)
      .join("; ")
      .slice(0, 300);
  const c = cpus();
  return `${c[0]?.model ?? "unknown CPU"} × ${c.length}`.slice(0, 300);
}
