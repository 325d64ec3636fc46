import { stringify } from "yaml";
import type { Challenge } from "./schema/challenge.ts";
import type { Submission, SubmissionInput } from "./schema/submission.ts";
import { PLACEHOLDER_DESCRIPTION, PLACEHOLDER_TITLE_MARK } from "./validate/placeholders.ts";

/**
 * A new submission.yaml pre-filled from its parents: the first parent's engine settings (the
 * usual starting point), every parent's authors credited, and a title to edit. The title and
 * description carry placeholders (core/validate/placeholders.ts) that validation refuses until
 * the author replaces them.
 */
export function scaffoldManifest(
  slug: string,
  parents: { slug: string; manifest: Submission }[],
  authors: string[],
  challenge: Challenge,
): string {
  const first = parents[0]?.manifest;
  const engine: SubmissionInput["engine"] = first
    ? structuredClone(first.engine)
    : challenge.engine.kind === "vllm"
      ? { kind: "vllm", args: { "max-num-seqs": 1, extra_args: [] }, env: {} }
      : { kind: "embedded", args: { quantization: "f32", threads: 1 }, env: {} };
  const credits = parents.flatMap((p) =>
    p.manifest.authors
      .filter((a) => !authors.includes(a))
      .map((who) => ({ who, for: `${p.slug}: ${p.manifest.title}` })),
  );
  const doc: SubmissionInput = {
    schema: 1,
    title: `${slug} ${PLACEHOLDER_TITLE_MARK}`,
    description: parents.length
      ? `Builds on ${parents.map((p) => p.slug).join(", ")}. ${PLACEHOLDER_DESCRIPTION}`
      : PLACEHOLDER_DESCRIPTION,
    authors,
    parents: parents.map((p) => p.slug),
    credits,
    engine,
  };
  const header = [
    "# yaml-language-server: $schema=../../challenge/schema/submission.schema.json",
    `# Velodrome submission. Validate with: npx velodrome validate submissions/${slug}`,
  ];
  return `${header.join("\n")}\n${stringify(doc, { lineWidth: 100 })}`;
}
