import { afterAll, describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { dataPath, gitDataStore } from "../runner/adapters/git-store.ts";
import { quotaState } from "../runner/core/github/quota.ts";
import { ChallengeSchema } from "../runner/core/schema/challenge.ts";
import type { Reservation } from "../runner/core/schema/data.ts";
import { removeDir, tempDir } from "./helpers.ts";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { REPO_ROOT } from "./helpers.ts";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map(removeDir)));

async function bareRemote(): Promise<string> {
  const d = await tempDir("velodrome-remote-");
  dirs.push(d);
  await simpleGit(d).init(true);
  return d;
}
async function store(remote: string, i: number | string) {
  const d = await tempDir(`velodrome-clone-${i}-`);
  dirs.push(d);
  return gitDataStore({ remote, branch: "velodrome-data", dir: d });
}
const reservation = (i: number, requester = 1000 + i, at = new Date().toISOString()): Reservation => ({
  version: 1,
  id: `r-${i}`,
  at,
  requester: { id: requester, login: `agent${requester}` },
  owner: { id: 1, login: "owner" },
  pr: 1 + i,
  author: "alice",
  slug: "x",
  sha: "a".repeat(40),
  against: "baseline",
  organizer: false,
});
const challenge = ChallengeSchema.parse(
  parse(readFileSync(join(REPO_ROOT, "challenge/challenge.yaml"), "utf8")),
);

describe("git data store against a real bare remote", () => {
  // Eight publishers race for the same branch tip at once (twelve took ~30 s on the 2-core CI machine
  // and showed nothing eight does not).
  const PUBLISHERS = 8;
  it(`${PUBLISHERS} concurrent publishers: every record lands exactly once`, async () => {
    const remote = await bareRemote();
    const stores = await Promise.all(Array.from({ length: PUBLISHERS }, (_, i) => store(remote, i)));
    await Promise.all(
      stores.map((s, i) =>
        s.transact(`reserve ${i}`, () => ({
          writes: [{ path: dataPath.reservation(`r-${i}`), content: JSON.stringify(reservation(i)) }],
          result: i,
        })),
      ),
    );
    const state = await (await store(remote, "reader")).read();
    expect(state.problems).toEqual([]);
    expect(state.reservations.map((r) => r.id).sort()).toEqual(
      Array.from({ length: PUBLISHERS }, (_, i) => `r-${i}`).sort(),
    );
    const log = await simpleGit(remote).raw(["log", "--oneline", "velodrome-data"]);
    expect(log.trim().split("\n")).toHaveLength(PUBLISHERS); // one commit per record, none lost, none doubled
  });

  it("five simultaneous requests with one quota left: exactly one is charged", async () => {
    const remote = await bareRemote();
    const seed = await store(remote, "seed");
    const requester = { id: 42, login: "agent42" };
    // 9 of 10 runs already used in the window.
    await seed.transact("seed", () => ({
      writes: Array.from({ length: 9 }, (_, i) => ({
        path: dataPath.reservation(`old-${i}`),
        content: JSON.stringify({ ...reservation(100 + i, 42), id: `old-${i}` }),
      })),
      result: null,
    }));
    const stores = await Promise.all(Array.from({ length: 5 }, (_, i) => store(remote, `q${i}`)));
    const results = await Promise.all(
      stores.map((s, i) =>
        s.transact(`request ${i}`, (state) => {
          const q = quotaState(challenge, state.reservations, requester, { id: 1 }, new Date());
          if (!q.ok) return { writes: [], result: "refused" as const };
          return {
            writes: [
              {
                path: dataPath.reservation(`new-${i}`),
                content: JSON.stringify({ ...reservation(200 + i, 42), id: `new-${i}` }),
              },
            ],
            result: "dispatched" as const,
          };
        }),
      ),
    );
    expect(results.filter((r) => r === "dispatched")).toHaveLength(1);
    const state = await (await store(remote, "reader2")).read();
    expect(state.reservations.filter((r) => r.requester.id === 42)).toHaveLength(10);
  });

  it("a corrupt file is reported with its path and skipped, and the rest still reads", async () => {
    const remote = await bareRemote();
    const s = await store(remote, "w");
    await s.transact("one", () => ({
      writes: [
        { path: dataPath.reservation("good"), content: JSON.stringify({ ...reservation(1), id: "good" }) },
      ],
      result: null,
    }));
    // Someone pushes a broken file by hand.
    const hand = await tempDir("velodrome-hand-");
    dirs.push(hand);
    const g = simpleGit(hand);
    await g.clone(remote, hand, ["--branch", "velodrome-data"]);
    await g.addConfig("user.email", "x@y.z").addConfig("user.name", "x");
    await mkdir(join(hand, "quota"), { recursive: true });
    await writeFile(join(hand, "quota/bad.json"), '{"version": 1, "id": "bad", "requester": "nobody"}');
    await writeFile(join(hand, "quota/garbage.json"), "{not json");
    await g.add(".").commit("break things").push("origin", "velodrome-data");
    const state = await s.read();
    expect(state.reservations.map((r) => r.id)).toEqual(["good"]);
    expect(state.problems.map((p) => p.path).sort()).toEqual(["quota/bad.json", "quota/garbage.json"]);
    expect(state.problems.find((p) => p.path === "quota/bad.json")!.message).toMatch(/requester/);
    // Writing again keeps the bad files untouched (nothing stored is lost).
    await s.transact("two", () => ({
      writes: [
        { path: dataPath.reservation("good2"), content: JSON.stringify({ ...reservation(2), id: "good2" }) },
      ],
      result: null,
    }));
    const again = await s.read();
    expect(again.problems).toHaveLength(2);
    expect(again.reservations).toHaveLength(2);
  });
});
