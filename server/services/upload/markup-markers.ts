/**
 * Markup and script markers that make bytes something a browser or an OS would execute or render
 * (HTML, SVG, XML, PHP/ASP templates). Text uploads are scanned for them from start to end
 * (sniff-type.ts PlainTextScanner); audio and video in their sniffed head (containers/).
 */

/** Matched case-insensitively anywhere in a text file, so a `.txt` or `.csv` carrying a page is refused. */
export const ACTIVE_TEXT_MARKERS: readonly RegExp[] = [
  /<!doctype/i,
  /<\?xml/i,
  /<\?php/i,
  /<%/,
  /<!--/,
  /<\s*(html|head|body|script|svg|iframe|object|embed|meta|style|link|form|img|math|xsl:|xml)[\s/>]/i,
]

/**
 * The markers for binary media: all but `<%`, two bytes that compressed audio and video hold by
 * chance about once in every 64 KiB; the others are four bytes or more.
 */
const BINARY_MARKERS = ACTIVE_TEXT_MARKERS.filter((marker) => marker.source !== '<%')

/** Whether `bytes`, read byte for byte as Latin-1, carry a markup or script marker. */
export function bytesHoldMarkup(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  return BINARY_MARKERS.some((marker) => marker.test(text))
}
