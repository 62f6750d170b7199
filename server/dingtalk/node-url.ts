/**
 * DingTalk document links. A document's link is `https://alidocs.dingtalk.com/i/nodes/{dentryUuid}`
 * (`.io` for the other deployment), and the dentryUuid is the id every document API takes
 * (docs/dingtalk.md#document-links).
 */

/** `https://alidocs.dingtalk.(com|io)/i/nodes/{dentryUuid}`, optionally followed by a path, query or fragment. */
const ALIDOCS_NODE_URL = /^https:\/\/alidocs\.dingtalk\.(?:com|io)\/i\/nodes\/([A-Za-z0-9]+)(?:[/?#]|$)/

/** The dentryUuid in an alidocs node link, or null for any other link shape (resolve those with GetNodeByUrl). */
export function docIdFromNodeUrl(url: string): string | null {
  return ALIDOCS_NODE_URL.exec(url.trim())?.[1] ?? null
}
