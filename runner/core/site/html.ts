/**
 * An `html` tagged template that escapes every interpolated value by default (after Observable
 * Framework's `html`): a page can no longer forget an escape, because the only way to put markup
 * into a template is a value that is already an `Html` fragment — built by `html` itself, or
 * declared trusted with `raw()` (rendered markdown, JSON in a script, a constant).
 *
 *   html`<a href="${url}">${title}</a>`        // url and title are escaped (quotes included)
 *   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`   // arrays of fragments are joined
 *
 * Attribute values must be quoted (`href="${x}"`): the escape covers `"` and `'`, so a quoted value
 * cannot break out of its attribute.
 */

/** Markup that is safe to emit as is. Create it only through `html` or `raw`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text and numbers are escaped; null, undefined and false render nothing. */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const SPECIAL = /[&<>"']/;

/** Escapes text for HTML (and XML) text and quoted attribute values. */
export function escapeHtml(s: string): string {
  // Most values (slugs, numbers, dates) have nothing to escape: a test is cheaper than a replace.
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Declares already-safe markup trusted. The caller vouches for it; keep such calls rare and obvious. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** Renders one interpolated value to safe markup. */
function render(value: Interpolation): string {
  if (value instanceof Html) return value.value;
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) {
    let out = "";
    for (const v of value as readonly Interpolation[]) out += render(v);
    return out;
  }
  return escapeHtml(String(value));
}

/** The tagged template: literal parts are kept, every value is escaped unless it is an `Html` fragment. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Joins values (each escaped unless a fragment) with a separator, e.g. `join(links, ", ")`. */
export function join(values: readonly Interpolation[], separator: Interpolation): Html {
  const sep = render(separator);
  return new Html(values.map(render).join(sep));
}
