/** The text a malformed stream carries: it must never reach the trusted client's error. */
export const ENGINE_CANARY = "<script>engine-canary</script>";

/**
 * Prompt first tokens that select an engine-side attack on the trusted client (the hostile engine
 * answers them, flows/audit.ts sends them).
 */
export const CLIENT_ATTACKS = { flood: 1, endless: 2, drip: 3, malformed: 4, publicFast: 5, privateStall: 6 };
