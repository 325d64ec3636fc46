// Kept for entry points that import from here; reading a challenge repository is flows/repo-load.ts.
export { CHALLENGE_FILE } from "../core/layout.ts";
export { loadChallenge, loadManifest, loadSubmissionTexts } from "../flows/repo-load.ts";
