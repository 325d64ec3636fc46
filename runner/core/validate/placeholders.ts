/**
 * Text `velodrome new` writes for the author to replace. Validation refuses a manifest that
 * still carries any of it, so a scaffold is never submitted unedited.
 */
export const PLACEHOLDER_TITLE_MARK = "(edit me)";
export const PLACEHOLDER_AUTHOR = "your-github-login";
export const PLACEHOLDER_DESCRIPTION = "Describe what you changed and why.";
