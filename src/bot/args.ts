/** Reading what follows a command: the raw rest of the line, and its words (quotes keep spaces). */
import type { BotContext } from './context.js';

/** The text after `/command` (or `/command@bot`), trimmed; line breaks inside are kept. */
export function commandPayload(ctx: BotContext): string {
  const msg = ctx.message;
  const text = msg && 'text' in msg ? msg.text : '';
  const m = /^\/[A-Za-z0-9_]+(?:@\w+)?/.exec(text);
  return (m ? text.slice(m[0].length) : text).trim();
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '«': '»', '„': '“' };

/** Splits on white space; `"…"`, `“…”`, `«…»` and `'…'` group words (the quotes are dropped). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const close = QUOTES[text[i]!];
    if (close) {
      const end = text.indexOf(close, i + 1);
      if (end > i) {
        out.push(text.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]!)) j++;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

/** The first word and the raw rest of `text` (white space after the word dropped). */
export function splitFirst(text: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return m ? [m[1]!, m[2]!] : ['', ''];
}
