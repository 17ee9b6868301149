/** The tab ↔ bridge link, shared by the tab (browser) and the bridge (dashboard/bridge.ts). */

/** What the tab signs to open its link (the bridge checks the signature and its age). */
export function linkMessage(authority: string, atMs: number): Uint8Array {
  return new TextEncoder().encode(`peer-cycles/tab-link/v1:${authority}:${atMs}`);
}

/** A request the bridge hands to the tab. */
export interface LinkRequest {
  id: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
}

/** One part of the tab's answer, posted to /tab/reply/:id in `seq` order. */
export interface ReplyPart {
  seq: number;
  head?: { status: number; headers: Record<string, string> };
  text?: string;
  end?: boolean;
}

/** Response headers that cross the bridge (nothing else does). */
export const RELAYED_HEADERS = ['content-type', 'retry-after', 'cache-control'] as const;
