import { describe, expect, it } from "vitest";
import { rebuildRecord } from "../../runner/core/github/record-check.ts";
import {
  decodeOnlyArgs,
  plainReferenceKey,
  stripDecodeOnly,
  topTwoGap,
} from "../../runner/core/plain-decode.ts";
import { SubmissionSchema } from "../../runner/core/schema/submission.ts";
import { greedyIdentity, judgeQuality, outputNll, type PlainLine } from "../../runner/core/verify.ts";
import { challenge, runRecord } from "../fakes/bot-fixtures.ts";

// The pure parts of verification: identity with the plain decode, the decode-path NLL check, the
// plain-decode configuration and its cache key, and the publisher's re-judging from aggregates.

const plain = (id: string, output: number[], gaps: number[]): [string, PlainLine] => [
  id,
  { id, output, gaps },
];

describe("greedy identity with the submission's own plain decode", () => {
  const ref = new Map([plain("a", [1, 2, 3, 4], [2, 0.1, 3, 3]), plain("b", [5, 6, 7, 8], [2, 2, 2, 2])]);

  it("passes identical outputs and a first divergence at a near-tie; fails one at a clear decision", () => {
    const outputs = new Map([
      ["a", [1, 9, 9, 9]], // diverges at step 1, where the plain decode's top two were 0.1 nats apart
      ["b", [5, 6, 0, 8]], // diverges at step 2, a 2-nat decision
    ]);
    const id = greedyIdentity(ref, outputs, 0.5);
    expect(id).toMatchObject({ prompts: 2, passed: 1, exact: 0, passFraction: 0.5 });
    expect(id.violations).toEqual([{ id: "b", at: 2, gap: 2 }]);
    expect(id.meanPrefixFraction).toBeCloseTo((1 / 4 + 2 / 4) / 2, 12);
  });

  it("the margin decides: the same divergence fails under a tighter tie margin", () => {
    const outputs = new Map([
      ["a", [1, 9, 9, 9]],
      ["b", [5, 6, 7, 8]],
    ]);
    expect(greedyIdentity(ref, outputs, 0.5)).toMatchObject({ passed: 2, exact: 1 });
    expect(greedyIdentity(ref, outputs, 0.05)).toMatchObject({ passed: 1, exact: 1 });
  });

  it("a short or missing output is a violation, never a near-tie", () => {
    const id = greedyIdentity(ref, new Map([["a", [1]]]), 10);
    expect(id.passed).toBe(0);
    expect(id.violations).toEqual([
      { id: "a", at: 1, gap: null },
      { id: "b", at: 0, gap: null },
    ]);
  });
});

describe("decode-path quality under the trusted scorer", () => {
  it("compares token-weighted mean NLLs and counts the prompts over the bound", () => {
    const timed = new Map([
      ["a", { nll: 8, n: 10 }],
      ["b", { nll: 5, n: 10 }],
    ]);
    const plainScores = new Map([
      ["a", { nll: 5, n: 10 }],
      ["b", { nll: 5, n: 10 }],
    ]);
    const o = outputNll(timed, plainScores, 0.05);
    expect(o).toMatchObject({ prompts: 2, worse: 1 });
    expect(o.nll).toBeCloseTo(0.65, 12);
    expect(o.nllPlain).toBeCloseTo(0.5, 12);
    expect(o.increase).toBeCloseTo(0.15, 12);
    expect(o.worst).toBeCloseTo(0.3, 12); // prompt a: 0.8 against 0.5 nats/token
  });

  it("one prompt decoded carelessly after a near-tie fails, however well the others dilute it", () => {
    // 40 prompts: 39 identical to the plain decode, one whose tail the reference finds 1.5 nats/token
    // less likely. Pooled, that is +0.0375 (under 0.05): only the per-prompt bound catches it.
    const same = (k: number): [string, { nll: number; n: number }] => [`p${k}`, { nll: 5, n: 10 }];
    const plainScores = new Map(Array.from({ length: 40 }, (_, k) => same(k)));
    const timed = new Map(plainScores);
    timed.set("p7", { nll: 20, n: 10 });
    const o = outputNll(timed, plainScores, 0.05);
    expect(o.increase).toBeCloseTo(0.0375, 12);
    expect(o.worst).toBeCloseTo(1.5, 12);
    const ch = challenge();
    const greedy = {
      prompts: 40,
      exact: 39,
      exactFraction: 39 / 40,
      meanPrefixFraction: 1,
      firstDivergence: [],
    };
    const q = judgeQuality(ch, {
      ppl: 1,
      pplReference: 1,
      greedy,
      identity: { prompts: 40, passed: 40, exact: 39 },
      outputNll: o,
    });
    expect(ch.verification.max_prompt_nll_increase).toBe(1); // the default
    expect(q.outputNll!.ok).toBe(false);
    expect(q.reasons).toEqual([
      "on one prompt the reference scores the timed output 1.500 nats/token worse than its " +
        "plain-decode output (per-prompt limit 1)",
    ]);
    // The same divergence with an honest tail (a little less likely, within the bound) passes.
    timed.set("p7", { nll: 8, n: 10 });
    const honest = judgeQuality(ch, {
      ppl: 1,
      pplReference: 1,
      greedy,
      identity: { prompts: 40, passed: 40, exact: 39 },
      outputNll: outputNll(timed, plainScores, 0.05),
    });
    expect(honest.ok).toBe(true);
  });
});

describe("the three checks side by side", () => {
  const ch = challenge();
  const greedy = { prompts: 2, exact: 0, exactFraction: 0, meanPrefixFraction: 0.2, firstDivergence: [] };
  const nll = (increase: number) => ({
    prompts: 2,
    nll: 0.5 + increase,
    nllPlain: 0.5,
    increase,
    worse: 0,
    worst: increase,
  });

  it("agreement with the baseline is information once identity was checked", () => {
    const q = judgeQuality(ch, {
      ppl: 1.01,
      pplReference: 1,
      greedy,
      identity: { prompts: 2, passed: 2, exact: 1 },
      outputNll: nll(0.01),
    });
    expect(q.ok).toBe(true);
    expect(q.identity!.ok).toBe(true);
    expect(q.outputNll!.ok).toBe(true);
  });

  it("each failing check names itself, its numbers and its limit", () => {
    const q = judgeQuality(ch, {
      ppl: 1.2,
      pplReference: 1,
      greedy,
      identity: { prompts: 4, passed: 3, exact: 3 },
      outputNll: { ...nll(0.3), worse: 2 },
    });
    expect(q.ok).toBe(false);
    expect(q.reasons).toEqual([
      "perplexity 1.2000 is 20.00% above the reference 1.0000 (limit 5.0%)",
      "timed outputs are identical to the submission's own plain decode on 3 of 4 prompts " +
        "(1 diverged at a clear decision; need 80.0%)",
      "the reference scores the timed outputs 0.300 nats/token worse than the submission's own " +
        "plain-decode outputs (limit 0.05; 2 of 2 prompts over it)",
    ]);
  });

  it("a record without an identity check is held to the old agreement gate", () => {
    const q = judgeQuality(ch, { ppl: 1, pplReference: 1, greedy });
    expect(q.ok).toBe(false);
    expect(q.reasons[0]).toMatch(/match the reference exactly on 0 of 2/);
  });
});

describe("the plain-decode configuration", () => {
  const vllm = SubmissionSchema.parse({
    schema: 1,
    title: "t",
    authors: ["a"],
    engine: {
      kind: "vllm",
      args: {
        "kv-cache-dtype": "fp8",
        "speculative-config": { method: "mtp", num_speculative_tokens: 4 },
        extra_args: [
          "--speculative_config",
          '{"method":"ngram"}',
          "--speculative-config={}",
          "--disable-cascade-attn",
        ],
      },
    },
  });

  it("drops the decode-time-only args, typed and verbatim, and keeps everything else", () => {
    const names = decodeOnlyArgs(challenge(), "vllm");
    expect(names).toEqual(["speculative-config", "speculative_config"]);
    const stripped = stripDecodeOnly(vllm, names);
    expect(stripped.engine.args).toEqual({ "kv-cache-dtype": "fp8", extra_args: ["--disable-cascade-attn"] });
    expect(vllm.engine.args).toHaveProperty("speculative-config"); // the manifest itself is untouched
  });

  it("the embedded engine's draft goes; the challenge's own list wins over the default", () => {
    const embedded = SubmissionSchema.parse({
      schema: 1,
      title: "t",
      authors: ["a"],
      engine: { kind: "embedded", args: { quantization: "q8_0", draft: { model: "draft", tokens: 4 } } },
    });
    expect(stripDecodeOnly(embedded, decodeOnlyArgs(challenge(), "embedded")).engine.args).not.toHaveProperty(
      "draft",
    );
    const listed = { verification: { ...challenge().verification, decode_only: ["threads"] } };
    expect(decodeOnlyArgs(listed, "embedded")).toEqual(["threads"]);
  });

  it("the cache key ignores key order and what was stripped, and changes with what is decoded", () => {
    const ch = challenge();
    const prompts = [{ id: "p", ids: [1, 2] }];
    const names = decodeOnlyArgs(ch, "vllm");
    const withoutSpec = SubmissionSchema.parse({
      ...vllm,
      engine: { ...vllm.engine, args: { extra_args: [] } },
    });
    const key = (m: typeof vllm, p = prompts) => plainReferenceKey(stripDecodeOnly(m, names), ch, p);
    const { extra_args, ...rest } = vllm.engine.args as Record<string, unknown>;
    const reordered = { ...vllm, engine: { ...vllm.engine, args: { extra_args, ...rest } } };
    expect(key(vllm)).toBe(key(reordered as typeof vllm));
    expect(key(vllm)).not.toBe(key(withoutSpec)); // fp8 KV cache is not decode-only
    expect(key(vllm)).not.toBe(key(vllm, [{ id: "p", ids: [1, 3] }]));
  });

  it("the top-2 gap is the difference of the two largest logprobs, whatever their order", () => {
    expect(topTwoGap([{ logprob: -3 }, { logprob: -0.5 }, { logprob: -1 }])).toBeCloseTo(0.5, 12);
    expect(topTwoGap([{ logprob: -1 }])).toBeNull();
  });
});

describe("publish re-judges the three checks from the recorded numbers", () => {
  it("a runner that claims ok over failing numbers is overruled, with the challenge's thresholds", () => {
    const forged = runRecord("faster");
    forged.quality.candidate = {
      ...forged.quality.candidate!,
      ok: true,
      identity: { ok: true, prompts: 2, passed: 5, exact: 5, min: 0, tieMargin: 9 },
      outputNll: { ok: true, prompts: 2, nll: 0.9, nllPlain: 0.5, increase: 0, worse: 0, max: 9, worst: 0.4 },
    };
    const at = { comparison: undefined, startedAt: forged.startedAt, finishedAt: forged.finishedAt };
    const rebuilt = rebuildRecord(forged, challenge(), at);
    const q = rebuilt.quality.candidate!;
    expect(q.identity).toEqual({ ok: true, prompts: 2, passed: 2, exact: 2, min: 0.8, tieMargin: 0.5 });
    expect(q.outputNll).toMatchObject({ ok: false, increase: expect.closeTo(0.4, 12), max: 0.05 });
    expect(q.ok).toBe(false);
    expect(rebuilt.status).toBe("invalid");
    expect(rebuilt.reason).toMatch(/0\.400 nats\/token worse/);
  });

  it("the worst prompt is re-judged against the challenge's per-prompt bound, and a record without it fails", () => {
    const r = runRecord("faster");
    const nll = r.quality.candidate!.outputNll!;
    const at = { comparison: undefined, startedAt: r.startedAt, finishedAt: r.finishedAt };
    const judged = (worst: number | undefined) => {
      const { worst: _w, ...rest } = nll;
      const outputNll = { ...rest, ok: true, maxPrompt: 99, ...(worst !== undefined ? { worst } : {}) };
      return rebuildRecord(
        { ...r, quality: { ...r.quality, candidate: { ...r.quality.candidate!, outputNll } } },
        challenge(),
        at,
      );
    };
    expect(judged(0.02).quality.candidate).toMatchObject({
      ok: true,
      outputNll: { worst: 0.02, maxPrompt: 1 },
    });
    const careless = judged(2.5);
    expect(careless.status).toBe("invalid");
    expect(careless.reason).toMatch(
      /on one prompt the reference scores the timed output 2\.500 nats\/token worse/,
    );
    const stripped = judged(undefined); // a runner that drops the figure cannot pass
    expect(stripped.status).toBe("invalid");
    expect(stripped.reason).toMatch(/lacks the per-prompt output NLL figure/);
  });

  it("a candidate verified only by agreement with the baseline is marked and not ranked", () => {
    const r = runRecord("faster");
    const at = { comparison: undefined, startedAt: r.startedAt, finishedAt: r.finishedAt };
    const full = rebuildRecord(r, challenge(), at);
    expect(full.quality.candidate).toMatchObject({ ok: true, verifiedBy: "plain-decode+scorer" });
    // The gathered look's record: exact agreement with the baseline, no identity, no scorer. Its
    // runner even claims the rule's method: the publisher reads what the record carries instead.
    const { identity: _i, outputNll: _o, ...legacy } = r.quality.candidate!;
    const gathered = { ...legacy, verifiedBy: "plain-decode+scorer" as const };
    const rebuilt = rebuildRecord({ ...r, quality: { ...r.quality, candidate: gathered } }, challenge(), at);
    expect(rebuilt.quality.candidate).toMatchObject({ ok: false, verifiedBy: "baseline-agreement" });
    expect(rebuilt.status).toBe("invalid");
    expect(rebuilt.reason).toMatch(/not verified against its own plain decode and the trusted scorer/);
    // Identity without the scorer is not the rule either.
    const noScorer = rebuildRecord(
      { ...r, quality: { ...r.quality, candidate: { ...r.quality.candidate!, outputNll: undefined } } },
      challenge(),
      at,
    );
    expect(noScorer.quality.candidate).toMatchObject({ ok: false, verifiedBy: "plain-decode" });
  });
});
