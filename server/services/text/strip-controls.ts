/**
 * Text that people typed on a phone (captions, evidence lines, place names) is shown inside a
 * DingTalk document, where invisible characters do harm: NUL and ESC break some renderers, and
 * bidirectional overrides make "abc\u202Egpj.exe" read as "abcexe.jpg" (docs/api.md#conventions).
 */

/**
 * C0 controls except tab (U+0009) and line feed (U+000A), DEL and the C1 controls, the zero-width
 * space, the LRM/RLM marks, the bidi embeddings and overrides (U+202A–202E), the word joiner and
 * the invisible operators and bidi isolates (U+2060–2069), and the BOM / zero-width no-break space.
 * U+200C and U+200D stay: emoji sequences and several scripts need the joiners.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g

/** `text` without the control and invisible formatting characters listed above; the rest is kept as is. */
export function stripControls(text: string): string {
  return text.replace(CONTROLS, '')
}
