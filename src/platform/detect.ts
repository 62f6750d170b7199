/**
 * Whether the page runs inside DingTalk, decided the way dingtalk-jsapi's own getENV does
 * (docs/dingtalk.md#jsapi) but WITHOUT importing the package, so it stays out of the first screen:
 * mobile/Harmony clients put "DingTalk" in the user agent; the PC client does not, and instead sets
 * `window.name` to JSON with a `containerId`.
 */
export function isInDingTalk(userAgent: string, windowName: string): boolean {
  if (/DingTalk/i.test(userAgent)) return true
  if (!windowName.startsWith('{')) return false
  try {
    const parsed: unknown = JSON.parse(windowName)
    return typeof parsed === 'object' && parsed !== null && 'containerId' in parsed
  } catch {
    return false
  }
}
