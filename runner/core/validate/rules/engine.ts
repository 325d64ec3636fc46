import {
  classifyFlag,
  deniedBy,
  envAllowed,
  flagName,
  SAFE_LOAD_FORMATS,
  UNSAFE_COMPILATION_KEYS,
} from "../engine-policy.ts";
import { jsonAsYaml } from "../hints.ts";
import type { Problem } from "../problem.ts";
import { problemIn, type LoadedSubmission, type RuleContext } from "./context.ts";

/** vLLM's short flags that are plain sizes; any other short flag must be written in long form. */
const SAFE_SHORT_FLAGS = ["-tp", "-pp", "-dp"];
/** vLLM's short aliases of typed arguments. */
const SHORT_TYPED: Record<string, string> = { "-O": "compilation-config", "-q": "quantization" };

/** Rule: the submission runs on the challenge's engine. */
export function engineKind({ sub, challenge }: RuleContext): Problem[] {
  const want = challenge.engine.kind;
  if (sub.manifest.engine.kind === want) return [];
  return [
    problemIn(sub, ["engine", "kind"], {
      code: "wrong-engine",
      message: `this challenge runs on \`${want}\`, not \`${sub.manifest.engine.kind}\``,
      expected: want,
      fix: `kind: ${want}`,
    }),
  ];
}

/** Rule: a nightly vLLM build only where the challenge allows it. */
export function nightlyAllowed({ sub, challenge }: RuleContext): Problem[] {
  const e = sub.manifest.engine;
  if (e.kind !== "vllm" || !e.nightly || challenge.engine.allow_nightly) return [];
  return [
    problemIn(sub, ["engine", "nightly"], {
      code: "nightly-not-allowed",
      message: "this challenge does not allow nightly vLLM builds",
      fix: "nightly: false",
    }),
  ];
}

/** Rule: environment variables match the challenge's allow-list, and the deny-list always wins. */
export function envNames({ sub, challenge }: RuleContext): Problem[] {
  const allow = challenge.engine.env_allow;
  return Object.keys(sub.manifest.engine.env).flatMap((name): Problem[] => {
    const denied = deniedBy(name);
    if (denied)
      return [
        problemIn(
          sub,
          ["engine", "env"],
          {
            code: "env-denied",
            message: `environment variable \`${name}\` can never be set by a submission (it matches \`${denied}\`)`,
            expected:
              "settings that tune the engine; nothing that loads code, reaches the network or reads secrets",
            fix: `remove \`${name}\``,
          },
          name,
        ),
      ];
    if (envAllowed(name, allow)) return [];
    const details = {
      code: "env-not-allowed" as const,
      message: `environment variable \`${name}\` is not allowed`,
      expected: `names matching ${allow.join(", ")} that are not on the deny-list`,
      fix: `remove \`${name}\``,
    };
    return [problemIn(sub, ["engine", "env"], details, name)];
  });
}

/** The value an `extra_args` flag carries: after `=`, or the next element. */
function flagValue(args: readonly string[], i: number): string | undefined {
  const arg = args[i]!;
  const eq = arg.indexOf("=");
  if (eq >= 0) return arg.slice(eq + 1);
  const next = args[i + 1];
  return next !== undefined && !next.startsWith("-") ? next : undefined;
}

/** `--speculative-config '{...}'` in extra_args → the typed YAML form. */
function typedFix(typed: string, value: string | undefined): string {
  const yaml = value === undefined ? undefined : jsonAsYaml(typed, value);
  if (yaml) return `move it under \`engine.args\`, as YAML:\n${yaml}`;
  return `move it under \`engine.args\`: \`${typed}: ${value ?? "<value>"}\``;
}

/** One `extra_args` element checked: owned flags, typed flags and short flags are refused. */
function extraArgProblem(sub: LoadedSubmission, args: readonly string[], i: number): Problem | undefined {
  const arg = args[i]!;
  const where: (string | number)[] = ["engine", "args", "extra_args", i];
  const short = /^-[A-Za-z]/.test(arg) ? arg.split("=")[0]! : undefined;
  const shortTyped = short && Object.entries(SHORT_TYPED).find(([s]) => short.startsWith(s))?.[1];
  const name = shortTyped || flagName(arg);
  if (short && !shortTyped && !SAFE_SHORT_FLAGS.includes(short))
    return problemIn(sub, where, {
      code: "short-flag",
      message: `\`${short}\` is a short flag; the harness checks flags by their long names`,
      fix: "write the flag's long form, e.g. `--tensor-parallel-size` for `-tp`",
    });
  if (!name) return undefined;
  const flag = classifyFlag(name);
  if (flag?.kind === "owned")
    return problemIn(sub, where, {
      code: "harness-owned-flag",
      message: `\`--${flag.flag}\` is set by the harness and cannot be overridden (written \`${arg}\`)`,
      fix: `remove "${arg}"${flagValue(args, i) !== undefined ? " and its value" : ""}`,
    });
  if (flag?.kind === "typed")
    return problemIn(sub, where, {
      code: "typed-flag-in-extra-args",
      message: `\`--${flag.flag}\` has a typed setting; \`extra_args\` would skip its checks`,
      fix: typedFix(flag.flag, flagValue(args, i)),
    });
  return undefined;
}

/** Rule: `extra_args` carries no harness-owned flag and no typed flag in disguise. */
export function extraArgs({ sub }: RuleContext): Problem[] {
  const e = sub.manifest.engine;
  if (e.kind !== "vllm") return [];
  const args = e.args.extra_args;
  return args.flatMap((_, i) => extraArgProblem(sub, args, i) ?? []);
}

/**
 * Inductor settings (`compilation-config.inductor_compile_config`, handed to torch as is) that are
 * not a plain switch or number. A string or list can name a program: `cpp.cxx` is the C++ compiler
 * Inductor runs inside the engine, so a submission naming an executable in its own folder there
 * ran its code in vLLM (`velodrome audit --engine vllm` goes that way). Switches and numbers
 * (`max_autotune`, `freezing`, `cpp.simdlen`…) stay open.
 */
function inductorProblems(sub: RuleContext["sub"], config: Record<string, unknown>): Problem[] {
  const inductor = config.inductor_compile_config;
  if (inductor === undefined) return [];
  const entries =
    typeof inductor === "object" && inductor !== null && !Array.isArray(inductor)
      ? Object.entries(inductor)
      : [["", inductor] as const];
  return entries
    .filter(([, v]) => typeof v !== "boolean" && typeof v !== "number")
    .map(([k]) =>
      problemIn(
        sub,
        ["engine", "args", "compilation-config", "inductor_compile_config"],
        {
          code: "unsafe-setting",
          message:
            `\`inductor_compile_config${k ? `.${k}` : ""}\` is not a switch or a number: a string or list ` +
            "can name a program the engine runs (`cpp.cxx` is the C++ compiler); the harness owns those",
          expected: 'booleans and numbers, e.g. { max_autotune: true, "cpp.simdlen": 8 }',
          fix: k ? `remove \`${k}\`` : "give a mapping of Inductor settings to booleans or numbers",
        },
        k || undefined,
      ),
    );
}

/** Rule: `compilation-config` names no Python code to import, no program to run and no path to write. */
export function compilationConfig({ sub }: RuleContext): Problem[] {
  const e = sub.manifest.engine;
  if (e.kind !== "vllm") return [];
  const config = e.args["compilation-config"] ?? {};
  return [
    ...inductorProblems(sub, config),
    ...Object.keys(config)
      .filter((k) => UNSAFE_COMPILATION_KEYS.includes(k))
      .map((k) =>
        problemIn(
          sub,
          ["engine", "args", "compilation-config"],
          {
            code: "unsafe-setting",
            message: `\`compilation-config.${k}\` names code to import or a path to write; the harness owns it`,
            expected: "compilation settings such as mode, cudagraph_mode, cudagraph_capture_sizes",
            fix: `remove \`${k}\``,
          },
          k,
        ),
      ),
  ];
}

/** Rule: `load-format` reads the organizers' checkpoint, from nowhere else and as it is. */
export function loadFormat({ sub }: RuleContext): Problem[] {
  const e = sub.manifest.engine;
  const format = e.kind === "vllm" ? e.args["load-format"] : undefined;
  if (format === undefined || SAFE_LOAD_FORMATS.includes(format.toLowerCase())) return [];
  return [
    problemIn(sub, ["engine", "args", "load-format"], {
      code: "unsafe-setting",
      message:
        `\`load-format: ${format}\` does not read the challenge's checkpoint as it is (it reaches another ` +
        "process or server, writes a cache beside the shared model, or loads random weights)",
      expected: SAFE_LOAD_FORMATS.join(", "),
      fix: "remove `load-format`, or pick one of the expected formats",
    }),
  ];
}
