import { CLIENT_ATTACKS, ENGINE_CANARY } from "../audit/client-attacks.ts";
import { EngineFailure } from "../core/errors.ts";
import { generationTps, type CompletionRequest } from "../core/protocol/openai.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { EngineClient, RunningEngine } from "../ports.ts";
import { privateRequestBudgetMs } from "./run/confirm.ts";

/** One engine-side attack on the trusted client, as the audit reports it. */
export interface ClientAttackResult {
  attack: string;
  contained: boolean;
  evidence: string;
}

/** Time the client may take past its bound before the audit calls it frozen (scheduling, a loaded host). */
const SLACK_MS = 3_000;

const request = (first: number, served: string): CompletionRequest => ({
  model: served,
  prompt: [first, 10, 11],
  max_tokens: 4,
  temperature: 0,
  ignore_eos: true,
  stream: true,
  add_special_tokens: false,
  return_token_ids: true,
});

/**
 * Sends one request the hostile engine answers with an attack, through the trusted client, and
 * judges from outside: the client must fail it as an engine failure, in a phrase that quotes
 * nothing the engine sent, within its time bound.
 */
async function attackOnce(
  client: EngineClient,
  engine: RunningEngine,
  name: string,
  first: number,
  boundMs: number,
  now: () => number,
): Promise<ClientAttackResult> {
  const t0 = now();
  const outcome = await client.stream(engine.endpoint, request(first, engine.servedName), boundMs).then(
    () => undefined,
    (e: unknown) => e,
  );
  const took = Math.round(now() - t0);
  const failed = outcome instanceof EngineFailure;
  const quoted = failed && outcome.message.includes(ENGINE_CANARY);
  const contained = failed && !quoted && took <= boundMs + SLACK_MS;
  const said = outcome instanceof Error ? outcome.message.slice(0, 120) : "the request succeeded";
  return {
    attack: name,
    contained,
    evidence: `${failed ? "engine failure" : "NOT an engine failure"} after ${took} ms (bound ${boundMs} ms): "${said}"`,
  };
}

/**
 * The engine-side attacks on the trusted client: a flood, an endless stream, a valid answer
 * dripped under every gap, a malformed stream carrying markup, and the private-prompt stall (fast
 * on a public prompt, crawling on another, which must fail at the budget its own claim sets).
 */
export async function clientAttacks(
  client: EngineClient,
  engine: RunningEngine,
  challenge: Challenge,
  now: () => number,
): Promise<ClientAttackResult[]> {
  const a = CLIENT_ATTACKS;
  const out = [
    await attackOnce(client, engine, "engine floods the client with bytes", a.flood, 30_000, now),
    await attackOnce(client, engine, "engine streams forever", a.endless, 3_000, now),
    await attackOnce(client, engine, "engine drips its answer under every gap", a.drip, 2_000, now),
    await attackOnce(client, engine, "engine sends a malformed stream with markup", a.malformed, 10_000, now),
  ];
  const fast = await client
    .stream(engine.endpoint, request(a.publicFast, engine.servedName), 10_000)
    .catch(() => undefined);
  const claim = fast ? Math.min(generationTps(fast), 1e6) : 100;
  const ch = { ...challenge, metric: { ...challenge.metric, max_tokens: 4 } };
  const budget = privateRequestBudgetMs({ challenge: ch }, { arms: { candidate: { mean: claim } } });
  out.push(
    await attackOnce(client, engine, "engine stalls on a private prompt", a.privateStall, budget, now),
  );
  return out;
}
