import type { Problem } from "../problem.ts";
import { problemIn, type LoadedSubmission, type RuleContext } from "./context.ts";

/** A model hub id: `owner/name`, nothing that a filesystem would read as a path. */
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/** Whether a path written in a manifest escapes the submission folder on its face. */
function escapesFolder(p: string): boolean {
  return (
    p.startsWith("/") ||
    p.startsWith("~") ||
    p.includes("\\") ||
    p.includes(":") ||
    p.split("/").includes("..")
  );
}

/** `./tok/` → `tok`: the form the folder's file list uses. */
const tidy = (p: string) => p.replace(/^(\.\/)+/, "").replace(/\/+$/, "");

/** Whether the submission folder holds the file, or a folder with files, at `p`. */
function inFolder(sub: LoadedSubmission, p: string): boolean {
  const files = sub.files ?? [];
  const t = tidy(p);
  return files.includes(t) || files.some((f) => f.startsWith(`${t}/`));
}

/** Rule: kernels live under the submission's kernels/ folder and exist. */
export function kernels({ sub }: RuleContext): Problem[] {
  return sub.manifest.kernels.flatMap((k, i): Problem[] => {
    if (!k.startsWith("kernels/"))
      return [
        problemIn(sub, ["kernels", i], {
          code: "kernel-path",
          message: `kernel \`${k}\` must live under this submission's kernels/ folder`,
          fix: `kernels/${k.split("/").pop()}`,
        }),
      ];
    if (sub.files && !sub.files.includes(k))
      return [
        problemIn(sub, ["kernels", i], {
          code: "kernel-missing",
          message: `kernel file \`${k}\` is not in the submission folder`,
          fix: `add submissions/${sub.slug}/${k} or remove it from \`kernels\``,
        }),
      ];
    return [];
  });
}

/**
 * Rule: a `tokenizer` names files shipped in the submission folder. A path outside it would read
 * the runner's files; a hub id would download (and, with remote code, run) someone else's.
 */
export function tokenizerPath({ sub }: RuleContext): Problem[] {
  const e = sub.manifest.engine;
  const tok = e.kind === "vllm" ? e.args.tokenizer : undefined;
  if (tok === undefined || (!escapesFolder(tok) && (!sub.files || inFolder(sub, tok)))) return [];
  const hub = !escapesFolder(tok) && HUB_ID.test(tok);
  const message = hub
    ? `\`tokenizer: ${tok}\` is not in the submission folder; a model hub tokenizer is not allowed`
    : `\`tokenizer: ${tok}\` points outside the submission folder`;
  return [
    problemIn(sub, ["engine", "args", "tokenizer"], {
      code: "path-outside-submission",
      message,
      expected: `a path inside submissions/${sub.slug}/, e.g. tokenizer/ with its files committed`,
      fix: "remove `tokenizer` to use the model's own, or commit the tokenizer files in your folder",
    }),
  ];
}

/** One model reference at `idPath`: a pinned hub id, never a path on the runner. */
function modelProblems(
  sub: LoadedSubmission,
  idPath: (string | number)[],
  id: string,
  revision: string | undefined,
): Problem[] {
  if (escapesFolder(id) || !HUB_ID.test(id) || id.startsWith("."))
    return [
      problemIn(sub, idPath, {
        code: "model-path",
        message: `\`${id}\` is not a model hub id; models are fetched by id, never read from a path`,
        expected: "a model hub id such as `org/name`, with a pinned `revision`",
        fix: "publish the checkpoint on a model hub and give its id and commit",
      }),
    ];
  if (revision === undefined)
    return [
      problemIn(sub, idPath, {
        code: "unpinned-model",
        message: `model \`${id}\` has no \`revision\`; an unpinned model can change under the benchmark`,
        fix: `add \`revision: <commit sha of ${id}>\` beside it`,
      }),
    ];
  return [];
}

/** Rule: the checkpoint and the draft model are pinned hub ids. */
export function modelRefs({ sub }: RuleContext): Problem[] {
  const m = sub.manifest;
  const out: Problem[] = [];
  if (m.model) out.push(...modelProblems(sub, ["model", "id"], m.model.id, m.model.revision));
  const spec = m.engine.kind === "vllm" ? m.engine.args["speculative-config"] : undefined;
  if (spec?.model) {
    const idPath = ["engine", "args", "speculative-config", "model"];
    out.push(...modelProblems(sub, idPath, spec.model, spec.revision));
  }
  return out;
}
