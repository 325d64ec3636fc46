// Child process of `npm run bench compareScale`: runs `velodrome compare` (read, parse, analyse, render)
// on one samples file and prints {ms, cpuS, peakRssMb, verdict} as JSON, so that peak RSS covers this work only.
import { compareCommand } from "../../runner/cli/compare.ts";

const [file, ...args] = process.argv.slice(2);
let out = "";
const t0 = performance.now();
const code = await compareCommand([file!, ...args, "--json"], {
  cwd: process.cwd(),
  out: (t) => (out += t),
  err: (t) => process.stderr.write(t + "\n"),
  isTTY: false,
  env: {},
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage();
const verdict = code === 0 ? (JSON.parse(out) as { verdict: string }).verdict : `exit ${code}`;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const cpuS = Math.round((cpu.user + cpu.system) / 1e5) / 10; // the whole process, start-up included
process.stdout.write(
  JSON.stringify({ ms: Math.round(ms), cpuS, peakRssMb: Math.round(peakRssMb), verdict }) + "\n",
);
