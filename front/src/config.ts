// Where the API lives. By default the same origin that served the page (sandpit-server
// serves front/dist at `/`); VITE_API_BASE points a separately hosted front at another
// API host, and the WebSocket URL is derived from it.

export interface ApiEndpoints {
  /** e.g. "https://sandpit.school.example" — no trailing slash. */
  httpBase: string;
  /** e.g. "wss://sandpit.school.example" — no trailing slash. */
  wsBase: string;
}

export function resolveEndpoints(
  apiBase: string | undefined,
  page: { protocol: string; host: string },
): ApiEndpoints {
  const origin = `${page.protocol}//${page.host}`;
  const configured = apiBase?.trim().replace(/\/+$/, "") ?? "";
  // A path-only base ("/sandpit") means "this host, under that prefix".
  const httpBase = !configured ? origin : configured.startsWith("/") ? origin + configured : configured;
  // Upgrade the scheme only: "http" → "ws", "https" → "wss"; path prefixes are kept.
  const wsBase = httpBase.replace(/^http(s?):\/\//i, (_m, secure: string) => `ws${secure}://`);
  return { httpBase, wsBase };
}
