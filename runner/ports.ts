/**
 * The ports: every interface between the use cases (flows) and the outside world, in one place.
 * Adapters implement them; flows and the demo take them as parameters, never as module singletons.
 */
import type { CompletionRequest, CompletionResponse, StreamMeasurement } from "./core/protocol/openai.ts";
import type { Challenge } from "./core/schema/challenge.ts";
import type { DataCollections } from "./core/schema/data.ts";
import type { Submission } from "./core/schema/submission.ts";
import type { FileEntry } from "./core/validate/file-policy.ts";
import type { Problem } from "./core/validate/problem.ts";

/** A clock (ms since the epoch); tests pass a fixed one. */
export type Clock = () => number;

/** A source of uniform random numbers in [0, 1); tests pass a seeded one. */
export type Random = () => number;

// adapters/sandbox/sandbox.ts
/** How an untrusted engine process is confined. Passed in as a parameter, never a singleton. */
export interface Sandbox {
  readonly name: string;
  /** Turns a command into one that runs confined: `scratch` is its only writable place. */
  wrap(cmd: string, args: string[], o: SandboxOptions): WrappedCommand;
}

/** A command made to run confined, and what must happen after it stops. */
export interface WrappedCommand {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  /** Tears down what outlives the process (a container); called after every stop. */
  cleanup?(): Promise<void>;
}

/** Resource limits an engine runs under, in every sandbox backend. */
export interface SandboxLimits {
  memoryBytes: number;
  processes: number;
  /** Largest file the engine may write. */
  fileBytes: number;
  /** Size of the engine's private /tmp (and HOME). */
  tmpBytes: number;
  openFiles: number;
  cpuSeconds: number;
  /** Shared memory of an OCI container (`--shm-size`); default: tmpBytes. */
  shmBytes?: number;
}

export interface SandboxOptions {
  scratch: string;
  readOnly: string[]; // paths the engine may read (code, node, models)
  env: Record<string, string>;
}

// adapters/engines/launch.ts
export interface LaunchSpec {
  slug: string;
  manifest: Submission;
  challenge: Challenge;
  scratch: string; // the engine's only writable directory
  logFile: string;
  startTimeoutMs: number;
}

export interface RunningEngine {
  endpoint: Endpoint;
  servedName: string;
  pid: number;
  argv: string[];
  startMs: number; // time from spawn to healthy
  stop(): Promise<void>;
  exited(): boolean;
}

export interface EngineLauncher {
  readonly kind: "vllm" | "embedded";
  launch(spec: LaunchSpec): Promise<RunningEngine>;
  version(): Promise<string>;
}

// adapters/engines/client.ts
/** Where an engine listens: a Unix socket (sandboxed engines) or a loopback TCP port (vLLM). */
export type Endpoint = { unix: string } | { host: string; port: number };

/** The trusted HTTP client of a running engine: timed streams and scored (prompt-logprob) completions. */
export interface EngineClient {
  stream(ep: Endpoint, body: CompletionRequest, timeoutMs?: number): Promise<StreamMeasurement>;
  complete(ep: Endpoint, body: CompletionRequest, timeoutMs?: number): Promise<CompletionResponse>;
}

// adapters/work-files.ts
/** The runner's own disk (absolute paths): prompt sets, scratch folders, result files. */
export interface WorkFiles {
  read(path: string): Promise<string | undefined>;
  /** Writes a file, creating its folder. */
  write(path: string, text: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  copyDir(from: string, to: string): Promise<void>;
}

// adapters/git-validate.ts
/**
 * Full validation of a pull request at a pinned commit, from git objects: the file policy against
 * the default branch, every manifest rule, and (given the PR's author) who owns the folders it
 * touches. The honest answer to "did validation pass?": recomputed, never read from a comment or
 * an artifact the PR's own job wrote.
 */
export interface PullValidator {
  validate(o: {
    pr: number;
    sha: string;
    author?: { login: string; id?: number };
    /** This PR's number and the open PRs adding each folder, from the API (the ownership rule). */
    claims?: { pr: number; bySlug: Readonly<Record<string, readonly { pr: number; createdAt: string }[]>> };
  }): Promise<PullValidation>;
}
export interface PullValidation {
  ok: boolean;
  problems: Problem[];
}

// adapters/git-fetch.ts
/** Copies one submission folder out of git at a pinned commit (a PR head when `pr` is given). */
export interface SubmissionFetcher {
  fetch(o: { pr?: number; sha: string; slug: string; into: string }): Promise<string[]>;
}

// adapters/repo-fs.ts
/** Read access to a working tree; the node implementation below, tests may point it at temp dirs. */
export interface RepoFiles {
  readonly root: string;
  read(rel: string): Promise<string | undefined>;
  /** Sub-folders of a folder (not following symlinks); [] when it does not exist. */
  dirs(rel: string): Promise<string[]>;
  /** Every entry under a folder, recursively, as file-policy entries with status "added". */
  walk(rel: string): Promise<FileEntry[]>;
}

// adapters/github/api.ts
export interface GhUser {
  id: number;
  login: string;
}

export interface GhComment {
  id: number;
  body: string;
  user: GhUser | null;
  created_at: string;
  updated_at: string;
  reactions: number;
}

export interface GhIssue {
  number: number;
  title: string;
  body: string;
  user: GhUser | null;
  state: "open" | "closed";
  labels: string[];
  created_at: string;
  updated_at: string;
  comments: number;
  isPullRequest: boolean;
  reactions: number;
}

/** A comment from the repository-wide comments feed: which thread it is on, and who wrote it. */
export interface GhRepoComment extends GhComment {
  issue: number;
  /** GitHub's author_association (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, …). */
  association: string;
  /** The author's account type ("User", "Bot"). */
  userType: string;
}

/**
 * What the bot has spent of GitHub's REST budget in this process (counted for every request, by
 * route), and what GitHub's rate-limit headers last said is left (unknown before the first answer).
 */
export interface ApiBudget {
  requests: number;
  byRoute: Record<string, number>;
  limit?: number;
  remaining?: number;
  /** When the window resets (ms since the epoch). */
  resetAt?: number;
}

/** The few GitHub operations Velodrome needs; one Octokit implementation, tests point it at a fake server. */
export interface GitHubApi {
  /** A PR as the API has it; `createdAt` is its `created_at` (the ownership rule reads it). */
  getPull(
    n: number,
  ): Promise<{ number: number; user: GhUser; headSha: string; state: string; createdAt?: string }>;
  /**
   * Open pull requests with their head commit and the repository it lives in (forks included).
   * With `createdUpTo`, the list may stop after the first page that reaches a PR created later
   * (every open PR created up to then is in it; later ones may be too).
   */
  listOpenPulls(o?: {
    createdUpTo?: string;
  }): Promise<{ number: number; headSha: string; headRepo: string | null; createdAt?: string }[]>;
  listPullFiles(n: number): Promise<{ filename: string; status: string; previous_filename?: string }[]>;
  /**
   * The open pull requests updated at or after `since`, most recently updated first: one page of
   * 100 (`more`: the page was full, so older updates may lie beyond it). Where absent, the
   * ownership rule lists every open pull request instead.
   */
  openPullsUpdatedSince?(since: string): Promise<{
    pulls: { number: number; headSha: string; createdAt: string; updatedAt: string; user?: GhUser | null }[];
    more: boolean;
  }>;
  /**
   * The pull requests whose head is this commit, with their state (one request, where the whole open
   * list is one request per hundred open pull requests).
   */
  pullsForCommit?(
    sha: string,
  ): Promise<
    { number: number; headSha: string; headRepo: string | null; state: string; createdAt?: string }[]
  >;
  listComments(n: number): Promise<GhComment[]>;
  createComment(n: number, body: string): Promise<number>;
  updateComment(id: number, body: string): Promise<void>;
  /** Deletes one of the bot's comments (a duplicate it just posted: flows/bot/comments.ts). */
  deleteComment?(id: number): Promise<void>;
  react(commentId: number, content: "+1" | "-1" | "rocket" | "eyes" | "confused"): Promise<void>;
  dispatch(workflow: string, ref: string, inputs: Record<string, string>): Promise<void>;
  getIssue(n: number): Promise<GhIssue>;
  listIssues(): Promise<GhIssue[]>;
  /**
   * One page (up to 100) of issues and pull requests updated at or after `since` (all, without it),
   * oldest update first: a feed the mirror reads page by page, resuming from the last update seen.
   */
  issuesSince(since: string | undefined, page?: number): Promise<GhIssue[]>;
  /** One page (up to 100) of the repository's issue comments updated at or after `since`, oldest update first. */
  commentsSince(since: string | undefined, page?: number): Promise<GhRepoComment[]>;
  /** Requests made so far and the rate-limit headers' last word (adapters that count). */
  budget?(): ApiBudget;
}

// adapters/git-store.ts
/** Everything the data branch holds, validated (see DataCollections). */
export type DataState = DataCollections;

export interface Write {
  path: string;
  content: string;
}

export type Apply<T> = (state: DataState) => { writes: Write[]; result: T };

/** The data store: optimistic transactions over state. Implementations: git (below); tests may add others. */
export interface DataStore {
  read(): Promise<DataState>;
  transact<T>(message: string, apply: Apply<T>): Promise<T>;
}

// adapters/progress.ts
/** Progress for long runs: a bar with ETA on a terminal, plain lines in CI logs. */
export interface Progress {
  start(total: number, label: string): void;
  tick(label: string): void;
  line(message: string): void;
  done(): void;
}

// adapters/site-writer.ts
/** Build effects behind an interface (as in Observable Framework): tests can capture instead of writing. */
export interface BuildEffects {
  write(path: string, content: string | Uint8Array): Promise<"written" | "unchanged">;
  copy(from: string, to: string): Promise<void>;
  prune(keep: Set<string>): Promise<number>;
}
