/**
 * The one-line form of `/sms`: `key=value` words (or `key value`), some of them secrets. A message that may
 * carry a secret is deleted, and its mistakes are told without the values it held.
 */
import { UserError } from '../../domain/errors.js';
import { isOff } from '../../domain/off-words.js';
import type { SmsFallback, SmsInput } from '../../services/settings.js';

const SECRET_KEYS = ['api_id', 'apiid', 'password', 'psw', 'pass', 'api_key', 'apikey', 'key', 'token', 'auth_token'];
const PLAIN_KEYS = [
  'login',
  'sid',
  'email',
  'sender',
  'from',
  'translit',
  'test',
  'test_mode',
  'testmode',
  'parts',
  'max_parts',
  'fallback',
  'countries',
];

export function isKey(word: string): boolean {
  const k = word.toLowerCase();
  return SECRET_KEYS.includes(k) || PLAIN_KEYS.includes(k);
}

/** `key value` (a space instead of `=`) into `key=value`, for every known key followed by a value. */
export function joinSpacedPairs(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.includes('=') && isKey(w) && i + 1 < words.length && !words[i + 1]!.includes('=')) {
      out.push(`${w}=${words[i + 1]}`);
      i++;
    } else out.push(w);
  }
  return out;
}

/** Whether every word is a known setting other than a secret (`sender=…`, `parts=3`): nothing to delete. */
export function evidentlyNoSecret(pairs: string[]): boolean {
  return pairs.every((w) => {
    const eq = w.indexOf('=');
    return eq > 0 && PLAIN_KEYS.includes(w.slice(0, eq).toLowerCase());
  });
}

/** The same mistake without the value it quotes: the message it came from may have held a secret. */
export function withoutValues(err: UserError): UserError {
  const params = Object.fromEntries(Object.entries(err.params).map(([k, v]) => [k, k === 'value' ? '…' : v]));
  return new UserError(err.code, params);
}

function bool(key: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['on', 'yes', 'true', '1', 'да', 'вкл'].includes(v)) return true;
  if (['off', 'no', 'false', '0', 'нет', 'выкл'].includes(v)) return false;
  throw new UserError('sms_value_invalid', { key, value: raw });
}

/** `key=value` words into an SmsInput; `secret` tells whether a secret was among them. */
export function parseSmsPairs(words: string[]): { input: SmsInput; secret: boolean } {
  const input: SmsInput = {};
  let secret = false;
  for (const word of words) {
    const eq = word.indexOf('=');
    // A bare word may be a secret typed without its key: it is never quoted back.
    if (eq <= 0) throw new UserError('sms_key_unknown', { key: isKey(word) ? word : '…' });
    const key = word.slice(0, eq).toLowerCase();
    const value = word.slice(eq + 1);
    const setSecret = (kind: SmsInput['secretKind']) => {
      input.secret = value;
      input.secretKind = kind;
      secret = true;
    };
    switch (key) {
      case 'api_id':
      case 'apiid':
        setSecret('api_id');
        break;
      case 'password':
      case 'psw':
      case 'pass':
        setSecret('password');
        break;
      case 'api_key':
      case 'apikey':
      case 'key':
        setSecret('api_key');
        break;
      case 'token':
      case 'auth_token':
        setSecret('auth_token');
        break;
      case 'login':
      case 'sid':
      case 'email':
        input.login = value;
        break;
      case 'sender':
      case 'from':
        input.sender = isOff(value) ? null : value;
        break;
      case 'translit':
        input.translit = bool(key, value);
        break;
      case 'test':
      case 'test_mode':
      case 'testmode':
        input.testMode = bool(key, value);
        break;
      case 'parts':
      case 'max_parts': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 8) throw new UserError('sms_value_invalid', { key, value });
        input.maxParts = n;
        break;
      }
      case 'fallback':
        if (!['none', 'telegram', 'email'].includes(value)) throw new UserError('sms_value_invalid', { key, value });
        input.fallback = value as SmsFallback;
        break;
      default:
        throw new UserError('sms_key_unknown', { key });
    }
  }
  return { input, secret };
}
