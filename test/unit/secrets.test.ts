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

describe('mask', () => {
  it('never shows a short secret', () => {
    expect(mask('hunter2')).toBe('••••••••');
    expect(mask('hunter2')).not.toContain('h');
  });

  it('shows only the last two characters of a long secret', () => {
    expect(mask('sk_live_1234567890AB')).toBe('••••••••AB');
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
