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

/** The entity types of the Bot API (https://core.telegram.org/bots/api#messageentity). */
export const ENTITY_TYPES = new Set([
  'mention',
  'hashtag',
  'cashtag',
  'bot_command',
  'url',
  'email',
  'phone_number',
  'bold',
  'italic',
  'underline',
  'strikethrough',
  'spoiler',
  'blockquote',
  'expandable_blockquote',
  'code',
  'pre',
  'text_link',
  'text_mention',
  'custom_emoji',
]);

interface EntityShape {
  type?: unknown;
  offset?: unknown;
  length?: unknown;
  url?: unknown;
  user?: unknown;
  custom_emoji_id?: unknown;
}

/**
 * Why Telegram would refuse these `entities` of `text`, or undefined. Offsets and lengths count UTF-16 code
 * units; an entity must lie inside the text, have a known type (with its url, user or emoji id), and come
 * without a `parse_mode` (Telegram takes one way of styling a text, not both).
 */
export function entitiesProblem(text: string, entities: unknown, parseMode: unknown): string | undefined {
  if (entities === undefined) return undefined;
  let list: unknown;
  try {
    list = typeof entities === 'string' ? JSON.parse(entities) : entities;
  } catch {
    return "Bad Request: can't parse entities JSON object";
  }
  if (!Array.isArray(list)) return 'Bad Request: field "entities" must be an Array';
  if (parseMode !== undefined && parseMode !== '' && list.length > 0) return "Bad Request: can't use parse_mode and entities together";
  for (const raw of list as EntityShape[]) {
    const { type, offset, length } = raw ?? {};
    if (typeof type !== 'string' || !ENTITY_TYPES.has(type)) return `Bad Request: unsupported entity type "${String(type)}"`;
    if (!Number.isInteger(offset) || !Number.isInteger(length)) return 'Bad Request: entity offset and length must be integers';
    const start = offset as number;
    const size = length as number;
    if (start < 0 || size < 1 || start + size > text.length) return 'Bad Request: entity is out of the text bounds';
    if (type === 'text_link' && (typeof raw.url !== 'string' || !/^(https?|tg):\/\//.test(raw.url)))
      return 'Bad Request: wrong text link URL';
    if (type === 'text_mention' && typeof raw.user !== 'object') return 'Bad Request: text mention without a user';
    if (type === 'custom_emoji' && typeof raw.custom_emoji_id !== 'string') return 'Bad Request: custom emoji without its id';
  }
  return undefined;
}
