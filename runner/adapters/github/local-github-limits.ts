/**
 * GitHub's limits for the local stand-in (local-github.ts): the primary REST budget of a token
 * (GITHUB_TOKEN: 1,000 requests an hour per repository on github.com), the secondary limits on
 * content creation (80 content-generating requests a minute, 500 an hour), the rate-limit headers
 * GitHub sends on every answer, and page slicing with `Link` headers as GitHub pages lists.
 * Sources: docs.github.com, "Rate limits for the REST API" and "Using pagination in the REST API".
 */

export interface RateLimits {
  /** Primary: requests per hour (fixed window from the window's first request, as GitHub resets). */
  perHour: number;
  /** Secondary: content-generating requests (comments, reactions, issues: see `isContent`) per minute and per hour. */
  contentPerMinute: number;
  contentPerHour: number;
}

/** GITHUB_TOKEN's limits on github.com. */
export const GITHUB_TOKEN_LIMITS: RateLimits = { perHour: 1000, contentPerMinute: 80, contentPerHour: 500 };

/** What the limiter says about one request: let it through, or refuse it as GitHub would. */
export type Admission =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; status: 403 | 429; headers: Record<string, string>; message: string };

/**
 * Whether a request creates content for the secondary limit: writes to issues, pull requests,
 * comments and reactions (what a person could do in the web interface). A workflow dispatch is not
 * content (GitHub does not say it is; it counts against the primary budget like any request).
 */
export const isContent = (method: string, path: string) =>
  method !== "get" && /\/repos\/[^/]+\/[^/]+\/(issues|pulls)(\/|$)/.test(path);

/** A limiter over a clock (ms): the simulated one of a replay, or the wall clock. */
export function rateLimiter(limits: RateLimits, clock: () => number) {
  let windowStart = -Infinity;
  let used = 0;
  const content: number[] = [];
  const headers = (): Record<string, string> => ({
    "x-ratelimit-limit": String(limits.perHour),
    "x-ratelimit-remaining": String(Math.max(0, limits.perHour - used)),
    "x-ratelimit-used": String(used),
    "x-ratelimit-reset": String(Math.ceil((windowStart + 3600_000) / 1000)),
    "x-ratelimit-resource": "core",
  });
  return {
    admit(method: string, path: string, now = clock()): Admission {
      if (now >= windowStart + 3600_000) {
        windowStart = now;
        used = 0;
      }
      if (used >= limits.perHour)
        return {
          ok: false,
          status: 403,
          headers: headers(),
          message: "API rate limit exceeded for installation.",
        };
      if (isContent(method, path)) {
        while (content.length && content[0]! <= now - 3600_000) content.shift();
        const lastMinute = content.filter((t) => t > now - 60_000).length;
        if (lastMinute >= limits.contentPerMinute || content.length >= limits.contentPerHour) {
          const freeAt =
            lastMinute >= limits.contentPerMinute
              ? content.at(-limits.contentPerMinute)! + 60_000
              : content[0]! + 3600_000;
          return {
            ok: false,
            status: 403,
            headers: { ...headers(), "retry-after": String(Math.max(1, Math.ceil((freeAt - now) / 1000))) },
            message:
              "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          };
        }
        content.push(now);
      }
      used++;
      return { ok: true, headers: headers() };
    },
    used: () => used,
  };
}
export type RateLimiter = ReturnType<typeof rateLimiter>;

/**
 * One page of a list answer as GitHub pages it (`per_page`, default 30, at most 100; `page` from 1),
 * with the `Link` header's next and last relations when there are more.
 */
export function pageOf<T>(all: T[], url: URL, base: string): { items: T[]; link?: string } {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
  const items = all.slice((page - 1) * perPage, page * perPage);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  if (page >= last) return { items };
  const at = (p: number) => {
    const u = new URL(url.pathname + url.search, base);
    u.searchParams.set("per_page", String(perPage));
    u.searchParams.set("page", String(p));
    return `<${u.toString()}>`;
  };
  return { items, link: `${at(page + 1)}; rel="next", ${at(last)}; rel="last"` };
}
