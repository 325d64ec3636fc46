import type { Challenge } from "../schema/challenge.ts";
import type { Submission } from "../schema/submission.ts";
import type { Problem } from "./problem.ts";
import { closest } from "./problem.ts";
import type { YamlFile } from "./yaml-doc.ts";

export interface LoadedSubmission {
  slug: string;
  file: string; // repository-relative path of submission.yaml
  manifest: Submission;
  yaml?: YamlFile; // for positions; absent when loaded from elsewhere (e.g. git history)
  files?: string[]; // files in the submission folder, relative to it
}

/** vLLM flags the harness owns: a submission setting them would break the measurement contract. */
export const HARNESS_OWNED_FLAGS = [
  "host",
  "port",
  "served-model-name",
  "api-key",
  "uds",
  "ssl-keyfile",
  "ssl-certfile",
  "root-path",
  "config",
  "model",
  "seed",
  "generation-config",
  "disable-log-requests",
  "enable-force-include-usage",
  "max-logprobs",
];
/** Environment variables never settable by a submission, even when a pattern allows them. */
const ENV_DENY = [
  "VLLM_HOST_IP",
  "VLLM_PORT",
  "VLLM_API_KEY",
  "VLLM_CONFIGURE_LOGGING",
  "VLLM_LOGGING_CONFIG_PATH",
  "VLLM_ALLOW_RUNTIME_LORA_UPDATING",
];

function at(s: LoadedSubmission, path: (string | number)[], key?: string) {
  return s.yaml ? s.yaml.locate(path, key) : { line: 1, col: 1 };
}

export function envAllowed(name: string, patterns: readonly string[]): boolean {
  if (ENV_DENY.includes(name)) return false;
  return patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));
}

/**
 * Rules across files: parents exist and form no cycle, engine fits the challenge, env is allowed,
 * harness-owned flags are not overridden, kernels exist. Pure: the caller loads everything.
 */
export function checkSubmissionRules(
  challenge: Challenge,
  subs: readonly LoadedSubmission[],
  knownSlugs: readonly string[] = subs.map((s) => s.slug),
): Problem[] {
  const out: Problem[] = [];
  const bySlug = new Map(subs.map((s) => [s.slug, s]));
  const all = [...new Set([...knownSlugs, ...bySlug.keys()])];
  for (const s of subs) {
    const m = s.manifest;
    const push = (path: (string | number)[], p: Omit<Problem, "file" | "line" | "col">, key?: string) =>
      out.push({ file: s.file, ...at(s, path, key), path, ...p });
    m.parents.forEach((parent, i) => {
      if (parent === s.slug)
        push(["parents", i], {
          code: "self-parent",
          message: `\`${s.slug}\` lists itself as a parent`,
          fix: "remove it from `parents`",
        });
      else if (!all.includes(parent)) {
        const guess = closest(parent, all);
        push(["parents", i], {
          code: "missing-parent",
          message: `parent \`${parent}\` is not a submission in this repository`,
          expected: `an existing folder under submissions/ (${all.slice(0, 8).join(", ")}${all.length > 8 ? ", …" : ""})`,
          fix: guess
            ? `did you mean \`${guess}\`?`
            : "use the slug (folder name) of the submission you build on",
        });
      }
    });
    if (s.slug !== challenge.baseline && m.parents.length === 0) {
      push(["parents"], {
        code: "no-parents",
        message: "every submission except the baseline builds on at least one parent",
        fix: `parents: [${challenge.baseline}]`,
      });
    }
    if (m.engine.kind !== challenge.engine.kind) {
      push(["engine", "kind"], {
        code: "wrong-engine",
        message: `this challenge runs on \`${challenge.engine.kind}\`, not \`${m.engine.kind}\``,
        expected: challenge.engine.kind,
        fix: `kind: ${challenge.engine.kind}`,
      });
    }
    for (const name of Object.keys(m.engine.env)) {
      if (!envAllowed(name, challenge.engine.env_allow)) {
        push(
          ["engine", "env"],
          {
            code: "env-not-allowed",
            message: `environment variable \`${name}\` is not allowed`,
            expected: `names matching ${challenge.engine.env_allow.join(", ")} (except harness-owned ones)`,
            fix: `remove \`${name}\``,
          },
          name,
        );
      }
    }
    if (m.engine.kind === "vllm") {
      if (m.engine.nightly && !challenge.engine.allow_nightly)
        push(["engine", "nightly"], {
          code: "nightly-not-allowed",
          message: "this challenge does not allow nightly vLLM builds",
          fix: "nightly: false",
        });
      m.engine.args.extra_args.forEach((arg, i) => {
        const flag = arg.startsWith("--") ? arg.slice(2).split("=")[0]! : undefined;
        if (flag && HARNESS_OWNED_FLAGS.includes(flag.replace(/_/g, "-"))) {
          push(["engine", "args", "extra_args", i], {
            code: "harness-owned-flag",
            message: `\`--${flag}\` is set by the harness and cannot be overridden`,
            fix: `remove "${arg}"`,
          });
        }
      });
    }
    m.kernels.forEach((k, i) => {
      if (!k.startsWith("kernels/"))
        push(["kernels", i], {
          code: "kernel-path",
          message: `kernel \`${k}\` must live under this submission's kernels/ folder`,
          fix: `kernels/${k.split("/").pop()}`,
        });
      else if (s.files && !s.files.includes(k))
        push(["kernels", i], {
          code: "kernel-missing",
          message: `kernel file \`${k}\` is not in the submission folder`,
          fix: `add submissions/${s.slug}/${k} or remove it from \`kernels\``,
        });
    });
    for (const [i, a] of m.authors.entries()) {
      if (m.authors.indexOf(a) !== i)
        push(["authors", i], {
          code: "duplicate-author",
          message: `author \`${a}\` is listed twice`,
          fix: "list each author once",
        });
    }
  }
  // Cycles through declared parents (Tarjan would be overkill: the graph is small and we report the first cycle per node).
  const parentsOf = (slug: string) => bySlug.get(slug)?.manifest.parents ?? [];
  const reported = new Set<string>();
  for (const s of subs) {
    const stack: string[] = [];
    const seen = new Set<string>();
    const dfs = (slug: string): string[] | undefined => {
      if (stack.includes(slug)) return [...stack.slice(stack.indexOf(slug)), slug];
      if (seen.has(slug)) return undefined;
      seen.add(slug);
      stack.push(slug);
      for (const p of parentsOf(slug)) {
        const c = dfs(p);
        if (c) return c;
      }
      stack.pop();
      return undefined;
    };
    const cycle = dfs(s.slug);
    if (cycle && cycle[0] === s.slug && !reported.has(s.slug)) {
      cycle.forEach((c) => reported.add(c));
      out.push({
        file: s.file,
        ...at(s, ["parents"]),
        path: ["parents"],
        code: "parent-cycle",
        message: `parents form a cycle: ${cycle.join(" → ")}`,
        fix: "a submission can only build on submissions that came before it; remove one of these parents",
      });
    }
  }
  return out;
}
