import { PLACEHOLDER_AUTHOR, PLACEHOLDER_DESCRIPTION, PLACEHOLDER_TITLE_MARK } from "../placeholders.ts";
import type { Problem } from "../problem.ts";
import { problemIn, type RuleContext } from "./context.ts";

/** Rule: each author is listed once. */
export function duplicateAuthors({ sub }: RuleContext): Problem[] {
  const authors = sub.manifest.authors;
  return authors.flatMap((a, i) =>
    authors.indexOf(a) === i
      ? []
      : [
          problemIn(sub, ["authors", i], {
            code: "duplicate-author",
            message: `author \`${a}\` is listed twice`,
            fix: "list each author once",
          }),
        ],
  );
}

/** Rule: nothing `velodrome new` wrote for the author to replace is left in the manifest. */
export function placeholders({ sub }: RuleContext): Problem[] {
  const m = sub.manifest;
  const out: Problem[] = [];
  if (m.title.includes(PLACEHOLDER_TITLE_MARK))
    out.push(
      problemIn(sub, ["title"], {
        code: "placeholder",
        message: `the title still says \`${PLACEHOLDER_TITLE_MARK}\``,
        expected: "a one-line summary of what this submission changes",
        fix: `replace \`${PLACEHOLDER_TITLE_MARK}\` with what changed, e.g. \`title: "int4 weights with MTP"\``,
      }),
    );
  m.authors.forEach((a, i) => {
    if (a.toLowerCase() === PLACEHOLDER_AUTHOR)
      out.push(
        problemIn(sub, ["authors", i], {
          code: "placeholder",
          message: `\`${PLACEHOLDER_AUTHOR}\` is a placeholder, not an author`,
          expected: "the GitHub login of each author, the PR's author first",
          fix: "replace it with your GitHub login (or pass --author LOGIN to `velodrome new`)",
        }),
      );
  });
  if (m.description.includes(PLACEHOLDER_DESCRIPTION))
    out.push(
      problemIn(sub, ["description"], {
        code: "placeholder",
        message: `the description still says "${PLACEHOLDER_DESCRIPTION}"`,
        expected: "what you changed and why, in a few sentences of Markdown",
        fix: "replace that sentence with your own description",
      }),
    );
  return out;
}
