// The HTTP half of the contract: create a run, cancel it, and the stream URL.

import type { ApiEndpoints } from "../config";
import type { Lang } from "../i18n/i18n";

export interface RunRequest {
  code: string;
  profile: string;
  lang: Lang;
}

/** Why a run could not be created, in terms the UI can turn into kid language. */
export type CreateRunFailure =
  | { kind: "network" }
  | { kind: "busy" }
  | { kind: "tooBig" }
  | { kind: "rejected"; status: number; message: string };

export class CreateRunError extends Error {
  constructor(readonly failure: CreateRunFailure) {
    super(failure.kind === "rejected" ? failure.message : failure.kind);
  }
}

export async function createRun(
  endpoints: ApiEndpoints,
  request: RunRequest,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  let response: Response;
  try {
    response = await fetchImpl(`${endpoints.httpBase}/api/run`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
  } catch {
    throw new CreateRunError({ kind: "network" });
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) {
    const jobId = (body as { jobId?: unknown } | null)?.jobId;
    if (typeof jobId === "string" && jobId !== "") return jobId;
    throw new CreateRunError({ kind: "rejected", status: response.status, message: "no jobId" });
  }
  if (response.status === 429) throw new CreateRunError({ kind: "busy" });
  if (response.status === 413) throw new CreateRunError({ kind: "tooBig" });
  const message =
    (body as { error?: { message?: unknown } } | null)?.error?.message ?? response.statusText;
  throw new CreateRunError({
    kind: "rejected",
    status: response.status,
    message: typeof message === "string" ? message : String(response.status),
  });
}

/** The HTTP way to stop a job; used alongside the socket's cancel frame. */
export async function cancelRun(
  endpoints: ApiEndpoints,
  jobId: string,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  try {
    await fetchImpl(`${endpoints.httpBase}/api/run/${encodeURIComponent(jobId)}/cancel`, {
      method: "POST",
    });
  } catch {
    // The socket's cancel frame may still get through; nothing else to do here.
  }
}

export function streamUrl(endpoints: ApiEndpoints, jobId: string): string {
  return `${endpoints.wsBase}/api/run/${encodeURIComponent(jobId)}/stream`;
}
