/**
 * A Telegram message (text + entities) written as marked-up text for golden files and the README: each
 * entity becomes a pair of tags (`<b>…</b>`, `<i>…</i>`, others `<type>…</type>`) around the UTF-16 range it
 * covers, so a reader sees exactly what Telegram shows in bold or italics.
 */
const TAGS: Record<string, string> = { bold: 'b', italic: 'i' };

export function markedUp(text: string, entities: Array<{ type: string; offset: number; length: number }> = []): string {
  const opens = new Map<number, string[]>();
  const closes = new Map<number, string[]>();
  for (const e of [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length)) {
    const tag = TAGS[e.type] ?? e.type;
    opens.set(e.offset, [...(opens.get(e.offset) ?? []), `<${tag}>`]);
    closes.set(e.offset + e.length, [`</${tag}>`, ...(closes.get(e.offset + e.length) ?? [])]);
  }
  let out = '';
  for (let i = 0; i <= text.length; i++) {
    out += (closes.get(i) ?? []).join('') + (opens.get(i) ?? []).join('');
    if (i < text.length) out += text[i];
  }
  return out;
}
