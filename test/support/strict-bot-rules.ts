/** Telegram's rules as the strict Bot API double (strict-bot-api.ts) applies them: limits, text, keyboards, flood buckets. */
/** A token bucket: `perSecond` refill, at most `burst` tokens. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export const MAX_TEXT = 4096;
export const MAX_CALLBACK_DATA_BYTES = 64;
export const MAX_BUTTONS = 100;
export const MAX_BUTTONS_PER_ROW = 8;
export const MAX_CALLBACK_ANSWER = 200;
export const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

export const COUNTED = new Set(['sendMessage', 'editMessageText', 'editMessageReplyMarkup', 'sendPhoto', 'sendDocument']);
export const TO_A_CHAT = new Set([...COUNTED, 'sendChatAction', 'deleteMessage']);

export class Bucket {
  #tokens: number;
  #at: number;
  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.#tokens = limit.burst;
    this.#at = now;
  }
  /** Takes a token, or says in how many ms one will be there. */
  take(now: number, commit: boolean): number {
    this.#tokens = Math.min(this.limit.burst, this.#tokens + ((now - this.#at) / 1000) * this.limit.perSecond);
    this.#at = now;
    if (this.#tokens >= 1) {
      if (commit) this.#tokens -= 1;
      return 0;
    }
    return ((1 - this.#tokens) / this.limit.perSecond) * 1000;
  }
}

/** The text Telegram stores after parsing entities out of `text` in `parseMode` (HTML tags, Markdown marks). */
export function visibleText(text: string, parseMode?: string): string {
  if (parseMode === 'HTML') {
    return text
      .replace(/<[^>]*>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
      .replace(/&amp;/g, '&');
  }
  if (parseMode === 'MarkdownV2' || parseMode === 'Markdown') {
    let out = '';
    const plain = text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    for (let i = 0; i < plain.length; i++) {
      const c = plain[i]!;
      if (c === '\\' && i + 1 < plain.length) out += plain[++i];
      else if (!'*_~`|'.includes(c)) out += c;
    }
    return out;
  }
  return text;
}

type Keyboard = Array<Array<{ text?: unknown; callback_data?: unknown; url?: unknown }>>;

/** Why Telegram would refuse this reply markup, or undefined. */
export function keyboardProblem(markup: unknown): string | undefined {
  const parsed = typeof markup === 'string' ? (JSON.parse(markup) as unknown) : markup;
  const rows = (parsed as { inline_keyboard?: Keyboard } | undefined)?.inline_keyboard;
  if (!rows) return undefined;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) return 'Bad Request: field "inline_keyboard" must be an Array of Arrays';
  if (rows.flat().length > MAX_BUTTONS || rows.some((r) => r.length > MAX_BUTTONS_PER_ROW)) return 'Bad Request: BUTTONS_TOO_MUCH';
  for (const b of rows.flat()) {
    if (typeof b.text !== 'string' || b.text === '') return 'Bad Request: BUTTON_TEXT_INVALID';
    if (b.callback_data !== undefined) {
      const bytes = Buffer.byteLength(typeof b.callback_data === 'string' ? b.callback_data : JSON.stringify(b.callback_data), 'utf8');
      if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) return 'Bad Request: BUTTON_DATA_INVALID';
    }
  }
  return undefined;
}
