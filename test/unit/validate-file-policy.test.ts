import { describe, expect, it } from "vitest";
import {
  checkEntryKind,
  checkFilePolicy,
  checkPath,
  checkTotals,
  DEFAULT_LIMITS,
  type FileEntry,
} from "../../runner/core/validate/file-policy.ts";
import { codes } from "./validate-fixtures.ts";

const entry = (path: string, more: Partial<FileEntry> = {}): FileEntry => ({
  path,
  status: "added",
  kind: "file",
  size: 10,
  binary: false,
  ...more,
});

describe("checkPath", () => {
  it("accepts a file in a submission folder and returns its slug", () => {
    expect(checkPath("submissions/int4-mtp/kernels/a.py", "added")).toEqual({
      problems: [],
      slug: "int4-mtp",
    });
  });
  it("refuses paths outside submissions/, saying what the PR does to them", () => {
    const r = checkPath(".github/workflows/ci.yml", "deleted");
    expect(r.slug).toBeUndefined();
    expect(codes(r.problems)).toEqual(["outside-submission"]);
    expect(r.problems[0]!.message).toContain("deletes `.github/workflows/ci.yml`");
  });
  it("suggests a valid slug for a bad folder name, and refuses hidden files", () => {
    const r = checkPath("submissions/My_Idea/.env", "added");
    expect(codes(r.problems)).toEqual(["bad-slug", "hidden-file"]);
    expect(r.problems[0]!.fix).toBe("submissions/my-idea/");
  });
});

describe("checkEntryKind", () => {
  it("refuses symlinks, submodules and files over the limits", () => {
    expect(codes(checkEntryKind(entry("submissions/x/l", { kind: "symlink" }), DEFAULT_LIMITS))).toEqual([
      "symlink",
    ]);
    expect(codes(checkEntryKind(entry("submissions/x/m", { kind: "submodule" }), DEFAULT_LIMITS))).toEqual([
      "submodule",
    ]);
    const bin = entry("submissions/x/w.bin", { binary: true, size: DEFAULT_LIMITS.maxBinaryBytes + 1 });
    expect(codes(checkEntryKind(bin, DEFAULT_LIMITS))).toEqual(["binary-too-large"]);
    const text = entry("submissions/x/n.txt", { size: DEFAULT_LIMITS.maxFileBytes + 1 });
    expect(codes(checkEntryKind(text, DEFAULT_LIMITS))).toEqual(["file-too-large"]);
    expect(checkEntryKind(entry("submissions/x/ok.py"), DEFAULT_LIMITS)).toEqual([]);
  });
});

describe("checkTotals", () => {
  it("one submission per PR, within the total size and file count", () => {
    const limits = { ...DEFAULT_LIMITS, maxTotalBytes: 100, maxFiles: 2 };
    expect(checkTotals(["a"], { bytes: 100, files: 2 }, limits)).toEqual([]);
    expect(codes(checkTotals(["a", "b"], { bytes: 101, files: 3 }, limits))).toEqual([
      "multiple-submissions",
      "submission-too-large",
      "too-many-files",
    ]);
  });
});

describe("checkFilePolicy", () => {
  it("a rename from outside into a submission is still a change outside", () => {
    const r = checkFilePolicy([
      entry("submissions/x/run.py", { status: "renamed", from: "runner/core/x.ts" }),
    ]);
    expect(codes(r.problems)).toEqual(["outside-submission"]);
    expect(r.slugs).toEqual(["x"]);
  });
  it("deleted files count towards no limit", () => {
    const huge = entry("submissions/x/big.bin", { status: "deleted", binary: true, size: 10 ** 9 });
    expect(checkFilePolicy([huge]).problems).toEqual([]);
  });
  it("touching two submissions is one problem, with both slugs", () => {
    const r = checkFilePolicy([entry("submissions/b/s.yaml"), entry("submissions/a/s.yaml")]);
    expect(codes(r.problems)).toEqual(["multiple-submissions"]);
    expect(r.problems[0]!.message).toContain("a, b");
  });
});
