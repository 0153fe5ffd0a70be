/**
 * @module core/printable
 * Text from the API made safe for a terminal (issue 9): control characters (C0, DEL, C1:
 * ESC sequences can recolour, move or clear an operator's screen), line and paragraph
 * separators, zero-width and bidirectional formatting characters (they reorder what is
 * shown) become `\uXXXX`. The escape is also a valid JSON string escape, so escaping JSON
 * text keeps it JSON with the same meaning.
 */

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
const UNPRINTABLE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** `text` with every unprintable character as `\uXXXX`; with `keepNewlines`, '\n' stays. */
export function escapeUnprintable(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? UNPRINTABLE_BUT_NEWLINE : UNPRINTABLE, escape);
}

/** A user's value quoted in a message: unprintable characters escaped, at most `max` characters (then "…"). */
export function shortValue(text: string, max = 64): string {
  const escaped = escapeUnprintable(text);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
