import { mkdir, writeFile, access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { scaffoldManifest } from "../core/scaffold.ts";
import { SLUG_PATTERN } from "../core/schema/common.ts";
import { parseSubmission } from "../core/validate/manifest.ts";
import { PLACEHOLDER_AUTHOR } from "../core/validate/placeholders.ts";
import { formatProblem, sortProblems } from "../core/validate/problem.ts";
import { placeholders } from "../core/validate/rules/people.ts";
import { UsageError } from "../core/errors.ts";
import { loadChallenge } from "../flows/repo-load.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";
import { MANIFEST_NAME, manifestPath } from "../core/layout.ts";

const OPTIONS = {
  parent: {
    type: "string",
    multiple: true,
    placeholder: "SLUG",
    description: "a parent (repeatable; default: the baseline)",
  },
  author: { type: "string", multiple: true, placeholder: "LOGIN", description: "an author (repeatable)" },
  repo: { type: "string", default: ".", placeholder: "DIR", description: "the challenge repository" },
  force: { type: "boolean", description: "overwrite an existing manifest" },
} as const;

export const NEW: CommandSpec = {
  name: "new",
  args: "<slug>",
  summary: "Scaffold submissions/<slug>/submission.yaml from its parents.",
  description:
    "Pre-filled from its parents (engine settings of the first, credits to every parent's authors).\n" +
    "Parents default to the challenge's baseline.",
  options: OPTIONS,
};

export async function newCommand(argv: string[], io: Io): Promise<number> {
  const { help, values, positionals } = parseOptions(OPTIONS, argv);
  if (help) return (io.out(helpText(NEW)), 0);
  const slug = positionals[0];
  if (!slug || positionals.length > 1) throw new UsageError(`expected exactly one slug\n\n${helpText(NEW)}`);
  if (!SLUG_PATTERN.test(slug))
    throw new UsageError(
      `\`${slug}\` is not a valid slug: use lowercase letters, digits and hyphens, e.g. int4-mtp`,
    );
  const root = resolve(io.cwd, values.repo);
  const repo = nodeRepoFiles(root);
  const challenge = await loadChallenge(repo);
  const parentSlugs = values.parent.length ? values.parent : [challenge.baseline];
  const parents = [];
  for (const p of parentSlugs) {
    const file = manifestPath(p);
    const text = await repo.read(file);
    if (text === undefined) throw new UsageError(`parent \`${p}\` not found (no ${file})`);
    const parsed = parseSubmission(file, text);
    if (!parsed.value)
      throw new UsageError(`parent \`${p}\` is invalid:\n${parsed.problems.map(formatProblem).join("\n")}`);
    parents.push({ slug: p, manifest: parsed.value });
  }
  const authors = values.author.length ? values.author : [io.env.GITHUB_ACTOR ?? PLACEHOLDER_AUTHOR];
  const dir = join(root, "submissions", slug);
  const target = join(dir, MANIFEST_NAME);
  if (
    !values.force &&
    (await access(target).then(
      () => true,
      () => false,
    ))
  )
    throw new UsageError(`${target} already exists; pass --force to overwrite`);
  const text = scaffoldManifest(slug, parents, authors, challenge);
  const check = parseSubmission(manifestPath(slug), text);
  if (!check.value)
    throw new Error(
      `internal: scaffold produced an invalid manifest:\n${check.problems.map(formatProblem).join("\n")}`,
    );
  await mkdir(dir, { recursive: true });
  await writeFile(target, text);
  const sub = { slug, file: manifestPath(slug), manifest: check.value, yaml: check.yaml };
  const toEdit = sortProblems(placeholders({ challenge, sub, knownSlugs: [] }));
  io.out(`wrote submissions/${slug}/submission.yaml (parents: ${parentSlugs.join(", ")}).`);
  if (toEdit.length) {
    io.out("Validation refuses these placeholders until you edit them:");
    for (const p of toEdit) io.out(`  ${p.file}:${p.line}:${p.col}: ${p.message}`);
  }
  io.out(`Then set the engine args and run: npx velodrome validate submissions/${slug}`);
  return 0;
}
