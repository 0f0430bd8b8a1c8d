import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PREFIX = 'v1';

/** The start of an unsubscribe payload (`/start u_…`); a new format gets a new prefix. */
export const UNSUBSCRIBE_PREFIX = 'u_';
/** Bytes of the HMAC an unsubscribe payload keeps: 96 bits, beyond guessing. */
const UNSUBSCRIBE_MAC_BYTES = 12;
const PERSON_ID_BYTES = 12;

/** Who an unsubscribe link was made for, and which task it stops. */
export interface UnsubscribeRequest {
  /** The Person's id (24 hex digits). */
  personId: string;
  taskNumber: number;
}

/** The signed part of an unsubscribe payload and of a reply token: person id (12 bytes), task number (4 bytes). */
function personAndTask(personId: string, taskNumber: number): Buffer {
  if (!/^[0-9a-f]{24}$/i.test(personId)) throw new RangeError('a person id is 24 hex digits');
  if (!Number.isInteger(taskNumber) || taskNumber < 1 || taskNumber > 0xffffffff) throw new RangeError('bad task number');
  const body = Buffer.alloc(PERSON_ID_BYTES + 4);
  Buffer.from(personId, 'hex').copy(body);
  body.writeUInt32BE(taskNumber, PERSON_ID_BYTES);
  return body;
}

/**
 * What a {@link SecretBox} works with, derived from SECRET_KEY: what a worker thread is given instead of the
 * key itself (it may be structured-cloned), so that the thread neither holds SECRET_KEY nor derives again
 * (scrypt takes about 30 ms of a thread's start).
 */
export interface SecretKeys {
  /** AES-256-GCM key of stored secrets. */
  seal: Uint8Array;
  /** HMAC key of unsubscribe links. */
  link: Uint8Array;
  /** HMAC key of reply addresses. */
  reply: Uint8Array;
}

/**
 * AES-256-GCM for passwords and API keys at rest. The key is derived from SECRET_KEY with scrypt,
 * so any long random string works; the stored form is `v1:<iv>:<tag>:<ciphertext>`, base64url.
 */
export class SecretBox {
  readonly #key: Buffer;
  /** Signs unsubscribe links: an HMAC of a fixed label under SECRET_KEY, so it is no key used for anything else. */
  readonly #linkKey: Buffer;
  /** Signs the reply addresses of letters (`reply+<token>@REPLY_DOMAIN`): a key of its own, so a token is no unsubscribe link. */
  readonly #replyKey: Buffer;

  /** @param secretKey SECRET_KEY, or the keys another box derived from it ({@link SecretBox.keys}) */
  constructor(secretKey: string | SecretKeys) {
    if (typeof secretKey !== 'string') {
      this.#key = Buffer.from(secretKey.seal);
      this.#linkKey = Buffer.from(secretKey.link);
      this.#replyKey = Buffer.from(secretKey.reply);
      if (this.#key.length !== 32 || this.#linkKey.length !== 32 || this.#replyKey.length !== 32)
        throw new Error('secret keys of the wrong size');
      return;
    }
    if (secretKey.length < 16) throw new Error('SECRET_KEY must be at least 16 characters');
    this.#key = scryptSync(secretKey, 'taskwatch/secrets/v1', 32);
    this.#linkKey = createHmac('sha256', secretKey).update('taskwatch unsubscribe link v1').digest();
    this.#replyKey = createHmac('sha256', secretKey).update('taskwatch reply address v1').digest();
  }

  /** Copies of the derived keys, for a worker thread's box (see {@link SecretKeys}). */
  keys(): SecretKeys {
    return { seal: Uint8Array.from(this.#key), link: Uint8Array.from(this.#linkKey), reply: Uint8Array.from(this.#replyKey) };
  }

  /**
   * The `start` payload of a one-tap unsubscribe link (`https://t.me/<bot>?start=<payload>`):
   * `u_` + base64url(person id, 12 bytes; task number, 4 bytes; HMAC-SHA256 of both, first 12 bytes). 40
   * characters of A-Z a-z 0-9 _ -, within Telegram's 64. It names the person, so only they may use it.
   */
  unsubscribePayload(personId: string, taskNumber: number): string {
    const body = personAndTask(personId, taskNumber);
    return UNSUBSCRIBE_PREFIX + Buffer.concat([body, this.#mac(body)]).toString('base64url');
  }

  /** What a payload of {@link unsubscribePayload} says, or undefined when it is not one signed with this key. */
  readUnsubscribePayload(payload: string): UnsubscribeRequest | undefined {
    if (!payload.startsWith(UNSUBSCRIBE_PREFIX) || !/^[A-Za-z0-9_-]{1,64}$/.test(payload)) return undefined;
    const bytes = Buffer.from(payload.slice(UNSUBSCRIBE_PREFIX.length), 'base64url');
    if (bytes.length !== PERSON_ID_BYTES + 4 + UNSUBSCRIBE_MAC_BYTES) return undefined;
    const body = bytes.subarray(0, PERSON_ID_BYTES + 4);
    if (!timingSafeEqual(bytes.subarray(PERSON_ID_BYTES + 4), this.#mac(body))) return undefined;
    const taskNumber = body.readUInt32BE(PERSON_ID_BYTES);
    if (taskNumber < 1) return undefined;
    return { personId: body.subarray(0, PERSON_ID_BYTES).toString('hex'), taskNumber };
  }

  #mac(body: Buffer, key: Buffer = this.#linkKey): Buffer {
    return createHmac('sha256', key).update(body).digest().subarray(0, UNSUBSCRIBE_MAC_BYTES);
  }

  /**
   * The token of a letter's reply address (`reply+<token>@REPLY_DOMAIN`): lowercase hex of the person id
   * (12 bytes), the task number (4 bytes) and the first 12 bytes of an HMAC-SHA256 of both under a key of
   * its own; 56 characters, so `reply+<token>` stays within the 64 of a local part, and hex survives mail
   * systems that change the case of addresses.
   */
  replyToken(personId: string, taskNumber: number): string {
    const body = personAndTask(personId, taskNumber);
    return Buffer.concat([body, this.#mac(body, this.#replyKey)]).toString('hex');
  }

  /** Whom and which task a {@link replyToken} names, or undefined when it is not one signed with this key. */
  readReplyToken(token: string): UnsubscribeRequest | undefined {
    if (!/^[0-9a-f]{56}$/i.test(token)) return undefined;
    const bytes = Buffer.from(token.toLowerCase(), 'hex');
    const body = bytes.subarray(0, PERSON_ID_BYTES + 4);
    if (!timingSafeEqual(bytes.subarray(PERSON_ID_BYTES + 4), this.#mac(body, this.#replyKey))) return undefined;
    const taskNumber = body.readUInt32BE(PERSON_ID_BYTES);
    if (taskNumber < 1) return undefined;
    return { personId: body.subarray(0, PERSON_ID_BYTES).toString('hex'), taskNumber };
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [PREFIX, iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':');
  }

  decrypt(stored: string): string {
    const parts = stored.split(':');
    const [prefix, iv, tag, data] = parts;
    if (parts.length !== 4 || prefix !== PREFIX || !iv || !tag || data === undefined) throw new Error('not an encrypted secret');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (tagBytes.length !== 16) throw new Error('cannot decrypt a stored secret: the stored value is damaged');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('cannot decrypt a stored secret: SECRET_KEY differs from the one it was saved with, or the stored value is damaged');
    }
  }
}

/** Says that a secret is set, and nothing of it: not a character, not its length. */
export function mask(secret: string | undefined | null): string {
  return secret ? '••••••••' : '—';
}

/**
 * The key for the embedded default: read from `<dataDir>/secret.key`, generated there on first start.
 * Returns whether it was generated, so start-up can say so.
 */
export function loadOrCreateKeyFile(dataDir: string): { key: string; created: boolean } {
  const file = path.join(dataDir, 'secret.key');
  const read = () => {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length < 16)
      throw new Error(`${file} is empty or too short: delete it (stored passwords will need re-entering) or set SECRET_KEY`);
    return key;
  };
  if (existsSync(file)) return { key: read(), created: false };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  try {
    // 'wx': of two processes starting at once, one writes and the other reads what it wrote.
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { key: read(), created: false };
    throw err;
  }
  return { key, created: true };
}

/**
 * Telegram's `secret_token` for the webhook: an HMAC of a fixed label under SECRET_KEY, so that every bot
 * process of one installation computes the same one and it reveals nothing of the key. base64url of
 * SHA-256 is 43 characters of A-Z a-z 0-9 _ -, as Telegram requires (1-256 of those).
 */
export function webhookSecretToken(secretKey: string): string {
  return createHmac('sha256', secretKey).update('taskwatch telegram webhook secret_token v1').digest('base64url');
}
