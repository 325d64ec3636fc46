/**
 * The repository layout: every path Velodrome reads or writes in a challenge repository, in one
 * place. Paths are repository-relative and use `/`.
 */

/** The onboarding an agent is pointed at (served on the site as agents.html and AGENTS.md). */
export const AGENTS_FILE = "AGENTS.md";
/** The challenge definition an organizer edits. */
export const CHALLENGE_FILE = "challenge/challenge.yaml";
/** The participant registry (logins, numeric ids, owners, organizers). */
export const PARTICIPANTS_FILE = "challenge/participants.yaml";
/** What an empty participant registry reads as. */
export const EMPTY_PARTICIPANTS = "schema: 1\nparticipants: []\n";
/** Where every submission folder lives. */
export const SUBMISSIONS_DIR = "submissions";
/** The manifest's file name inside a submission folder. */
export const MANIFEST_NAME = "submission.yaml";
/** The public prompt set and its reference outputs, unless the challenge names others. */
export const DEFAULT_PUBLIC_PROMPTS = "challenge/prompts/public.jsonl";
export const DEFAULT_PUBLIC_REFERENCE = "challenge/reference/public.jsonl";
/**
 * The runner's cache of plain-decode references (relative to the runner's checkout, never committed):
 * they hold outputs on the private prompts, so they stay on the runner and never reach the data branch.
 */
export const PLAIN_REFERENCE_CACHE = ".velodrome/plain-reference";

/** `submissions/<slug>`. */
export const submissionDir = (slug: string) => `${SUBMISSIONS_DIR}/${slug}`;
/** `submissions/<slug>/submission.yaml`. */
export const manifestPath = (slug: string) => `${submissionDir(slug)}/${MANIFEST_NAME}`;
/** Whether a repository path is some submission's manifest. */
export const isManifestPath = (path: string) =>
  path.startsWith(`${SUBMISSIONS_DIR}/`) && path.endsWith(`/${MANIFEST_NAME}`);

/*
 * The data branch (`challenge.data_branch`): one JSON file per record, so concurrent writers never
 * touch the same path. Each folder holds one collection, validated on read.
 */
/** Run records published from runner results. */
export const DATA_RUNS_DIR = "runs";
/** Reservations: the quota ledger, one per dispatched /bench. */
export const DATA_QUOTA_DIR = "quota";
/** Organizers' /rule decisions. */
export const DATA_RULINGS_DIR = "rulings";
/** Issue threads mirrored for the site's board. */
export const DATA_THREADS_DIR = "board/threads";

/** Lifecycle steps of submissions (/negative, /withdraw, /rule hacked|reinstate). */
export const DATA_LIFECYCLE_DIR = "lifecycle";
/** Participants registered by /join, one file per numeric id. */
export const DATA_REGISTRY_DIR = "registry";
/** Organizers' /broadcast messages. */
export const DATA_BROADCASTS_DIR = "board/broadcasts";

/** Runner status steps: suspended on drift, cleared by an organizer. */
export const DATA_RUNNERS_DIR = "runners";

/** The answer ledger: one file per command comment the bot handled. */
export const DATA_ANSWERS_DIR = "commands";
/** Watermarks of the incremental readers (board mirror, reconciler). */
export const DATA_WATERMARKS_DIR = "watermarks";
/** The ownership rule's cache: the submission folders each PR adds, by PR number and head commit. */
export const DATA_PULL_FOLDERS_DIR = "pulls";
/** The bot's own comments it updates in place (validation, verdicts, rulings), by issue and marker. */
export const DATA_BOT_COMMENTS_DIR = "bot-comments";

/** The file of each data-branch record. */
export const dataPath = {
  run: (id: string) => `${DATA_RUNS_DIR}/${id}.json`,
  reservation: (id: string) => `${DATA_QUOTA_DIR}/${id}.json`,
  ruling: (id: string) => `${DATA_RULINGS_DIR}/${id}.json`,
  thread: (n: number) => `${DATA_THREADS_DIR}/${n}.json`,
  lifecycle: (id: string) => `${DATA_LIFECYCLE_DIR}/${id}.json`,
  registration: (userId: number) => `${DATA_REGISTRY_DIR}/${userId}.json`,
  broadcast: (id: string) => `${DATA_BROADCASTS_DIR}/${id}.json`,
  runnerStep: (id: string) => `${DATA_RUNNERS_DIR}/${id}.json`,
  answer: (commentId: number) => `${DATA_ANSWERS_DIR}/${commentId}.json`,
  watermark: (name: string) => `${DATA_WATERMARKS_DIR}/${name}.json`,
  pullFolders: (pr: number) => `${DATA_PULL_FOLDERS_DIR}/${pr}.json`,
  botComments: (issue: number) => `${DATA_BOT_COMMENTS_DIR}/${issue}.json`,
};
