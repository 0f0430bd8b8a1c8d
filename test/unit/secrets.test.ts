import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretBox, loadOrCreateKeyFile, mask } from '../../src/secrets.js';

const KEY = '0123456789abcdef0123456789abcdef';

describe('SecretBox', () => {
  const box = new SecretBox(KEY);

  it.each(['smtp-pa$$word', 'пароль от почты Ёё', '', 'a:b:c', '🔑 key'])('round-trips %j', (plain) => {
    expect(box.decrypt(box.encrypt(plain))).toBe(plain);
  });

  it('decrypts with a second box made from the same key', () => {
    expect(new SecretBox(KEY).decrypt(box.encrypt('пароль'))).toBe('пароль');
  });

  it("a box made from the keys another derived (a worker thread's) opens, signs and checks as that one does", () => {
    const keys = structuredClone(box.keys()); // as workerData carries them to a thread
    const threadBox = new SecretBox(keys);
    expect(threadBox.decrypt(box.encrypt('пароль'))).toBe('пароль');
    expect(box.decrypt(threadBox.encrypt('ключ'))).toBe('ключ');
    const person = '0123456789abcdef01234567';
    expect(threadBox.unsubscribePayload(person, 7)).toBe(box.unsubscribePayload(person, 7));
    expect(threadBox.replyToken(person, 7)).toBe(box.replyToken(person, 7));
    expect(new SecretBox('another-secret-key-entirely').keys().seal).not.toEqual(keys.seal);
    expect(() => new SecretBox({ ...keys, seal: keys.seal.subarray(0, 16) })).toThrow('secret keys of the wrong size');
  });

  it('gives a different ciphertext each time, and none contains the plain text', () => {
    const plain = 'sms-api-key-1234567890';
    const a = box.encrypt(plain);
    const b = box.encrypt(plain);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
    for (const c of [a, b]) {
      expect(c).not.toContain(plain);
      expect(c).not.toContain(Buffer.from(plain).toString('base64url'));
    }
  });

  it('refuses a tampered ciphertext with a clear message', () => {
    const stored = box.encrypt('пароль');
    const [prefix, iv, tag, data] = stored.split(':') as [string, string, string, string];
    const bytes = Buffer.from(data, 'base64url');
    bytes[0]! ^= 1;
    const tampered = [prefix, iv, tag, bytes.toString('base64url')].join(':');
    expect(() => box.decrypt(tampered)).toThrow(/cannot decrypt a stored secret/);
  });

  it('refuses a secret saved with a different key with a clear message', () => {
    const stored = new SecretBox('another-secret-key-of-enough-length').encrypt('пароль');
    expect(() => box.decrypt(stored)).toThrow('cannot decrypt a stored secret: SECRET_KEY differs from the one it was saved with');
  });

  it('refuses text that is not an encrypted secret', () => {
    expect(() => box.decrypt('plain password')).toThrow('not an encrypted secret');
    expect(() => box.decrypt('v2:a:b:c')).toThrow('not an encrypted secret');
  });

  it('refuses a short SECRET_KEY', () => {
    expect(() => new SecretBox('short')).toThrow('SECRET_KEY must be at least 16 characters');
  });
});

describe('unsubscribe payloads', () => {
  const box = new SecretBox('a-long-enough-secret-key');
  const person = '65a1b2c3d4e5f60718293a4b';

  it('fit a t.me start parameter: at most 64 of A-Z a-z 0-9 _ -, and read back to their person and task', () => {
    for (const n of [1, 12, 99_999, 0xffffffff]) {
      const payload = box.unsubscribePayload(person, n);
      expect(payload).toMatch(/^u_[A-Za-z0-9_-]{1,62}$/);
      expect(box.readUnsubscribePayload(payload)).toEqual({ personId: person, taskNumber: n });
    }
  });

  it('are refused when signed with another key, changed in any character, cut, or not one at all', () => {
    const payload = box.unsubscribePayload(person, 12);
    expect(new SecretBox('another-secret-key-entirely').readUnsubscribePayload(payload)).toBeUndefined();
    // Every character but the last (whose low bits are base64 padding) carries signed bits.
    for (let i = 2; i < payload.length - 1; i++) {
      const changed = `${payload.slice(0, i)}${payload[i] === 'Q' ? 'g' : 'Q'}${payload.slice(i + 1)}`;
      expect([i, box.readUnsubscribePayload(changed)]).toEqual([i, undefined]);
    }
    for (const bad of [payload.slice(0, -4), `${payload}AAAA`, 'u_', 'invite-code-123', '', `u_${'A'.repeat(80)}`]) {
      expect(box.readUnsubscribePayload(bad)).toBeUndefined();
    }
  });

  it('refuses to make a payload of a bad person id or task number', () => {
    expect(() => box.unsubscribePayload('not-an-id', 1)).toThrow(RangeError);
    expect(() => box.unsubscribePayload(person, 0)).toThrow(RangeError);
  });
});

describe('mask', () => {
  it('never shows a short secret', () => {
    expect(mask('hunter2')).toBe('••••••••');
    expect(mask('hunter2')).not.toContain('h');
  });

  it('shows no character of a long secret either, nor its length', () => {
    expect(mask('sk_live_1234567890AB')).toBe('••••••••');
    expect(mask('x'.repeat(64))).toBe(mask('hunter2'));
  });

  it('shows a dash when nothing is set', () => {
    expect(mask(undefined)).toBe('—');
    expect(mask(null)).toBe('—');
    expect(mask('')).toBe('—');
  });
});

describe('loadOrCreateKeyFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'taskwatch-key-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates an owner-only key file on first call and returns the same key on the second', () => {
    const dataDir = path.join(dir, 'data'); // does not exist yet
    const first = loadOrCreateKeyFile(dataDir);
    expect(first.created).toBe(true);
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);

    const file = path.join(dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.key);

    const second = loadOrCreateKeyFile(dataDir);
    expect(second).toEqual({ key: first.key, created: false });
  });

  it('gives a key a SecretBox accepts, so secrets survive a restart', () => {
    const stored = new SecretBox(loadOrCreateKeyFile(dir).key).encrypt('пароль');
    expect(new SecretBox(loadOrCreateKeyFile(dir).key).decrypt(stored)).toBe('пароль');
  });

  it('makes a different key in another data folder', () => {
    const other = path.join(dir, 'other');
    expect(loadOrCreateKeyFile(dir).key).not.toBe(loadOrCreateKeyFile(other).key);
  });
});
