import { describe, expect, it } from "vitest";
import { escapeHtml, Html, html, join, raw } from "../../runner/core/site/html.ts";

describe("html tagged template", () => {
  it("escapes script injection in text", () => {
    const title = "<script>alert(1)</script>";
    expect(html`<h1>${title}</h1>`.toString()).toBe("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
  });

  it("escapes attribute values so they cannot break out of their quotes", () => {
    const slug = `x" onmouseover="alert(1)`;
    const single = `x' onclick='alert(1)`;
    expect(html`<a href="${slug}">`.toString()).toBe('<a href="x&quot; onmouseover=&quot;alert(1)">');
    expect(html`<a title='${single}'>`.toString()).toBe("<a title='x&#39; onclick=&#39;alert(1)'>");
  });

  it("escapes ampersands once, not twice", () => {
    expect(html`${"a & b"}`.toString()).toBe("a &amp; b");
    expect(html`${html`${"a & b"}`}`.toString()).toBe("a &amp; b");
  });

  it("keeps nested fragments as markup", () => {
    const inner = html`<b>${"<i>"}</b>`;
    expect(html`<p>${inner}</p>`.toString()).toBe("<p><b>&lt;i&gt;</b></p>");
  });

  it("joins arrays of fragments and escapes strings inside arrays", () => {
    const items = ["a<b", "c"].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>`.toString()).toBe("<ul><li>a&lt;b</li><li>c</li></ul>");
    expect(html`${["<x>", ["<y>", raw("<z>")]]}`.toString()).toBe("&lt;x&gt;&lt;y&gt;<z>");
  });

  it("renders numbers as text", () => {
    expect(html`<td>${3}</td><td>${0}</td><td>${-1.5}</td>`.toString()).toBe(
      "<td>3</td><td>0</td><td>-1.5</td>",
    );
  });

  it("renders null, undefined and false as nothing", () => {
    const none: string | undefined = undefined;
    const shown = (on: boolean) => on && "yes";
    expect(html`[${null}][${none}][${shown(false)}][${shown(true)}]`.toString()).toBe("[][][][yes]");
  });

  it("trusts raw() markup and only that", () => {
    expect(html`${raw("<em>ok</em>")}`.toString()).toBe("<em>ok</em>");
    expect(raw("<x>")).toBeInstanceOf(Html);
    // A plain object with a `value` field is not a fragment: it cannot smuggle markup in.
    const fake = { value: "<script>" } as unknown as Html;
    expect(html`${fake}`.toString()).toBe("[object Object]");
  });

  it("join() escapes items and the separator unless they are fragments", () => {
    expect(join(["<a>", html`<b>`], " & ").toString()).toBe("&lt;a&gt; &amp; <b>");
    expect(join([], ", ").toString()).toBe("");
  });

  it("escapeHtml covers the five special characters", () => {
    expect(escapeHtml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
  });
});

describe("site paths", () => {
  it("a generated name cannot leave the site folder", async () => {
    const { sitePath } = await import("../../runner/adapters/site-writer.ts");
    expect(sitePath("/srv/site", "taskforces/quant.html")).toBe("/srv/site/taskforces/quant.html");
    for (const bad of ["../x.html", "taskforces/../../x.html", "/etc/passwd", "a/\0b", ""])
      expect(() => sitePath("/srv/site", bad), bad).toThrow(/leaves the site folder/);
  });
});
