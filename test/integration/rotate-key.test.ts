/** `npm run rotate-key` (dist/src/cli/rotate-key.js, built by `npm test`): stored secrets move to a new key. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { checkSecretKey } from '../../src/db/key-check.js';
import { SecretBox } from '../../src/secrets.js';
import { loadConfig } from '../../src/config.js';
import { loadSmsSettings, loadSmtpSettings, saveSms, saveSmtp } from '../../src/services/settings.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();
const OLD = 'rotate-test-old-key-0000000000000';
const NEW = 'rotate-test-new-key-1111111111111';
const OTHER = 'rotate-test-other-key-22222222222';
const PASSWORD = 'smtp-Pa55word';
const API_ID = 'SMSRU-API-ID-123456';

function rotate(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('dist/src/cli/rotate-key.js')], {
      env: { PATH: process.env.PATH ?? '', MONGODB_URI: db.uri, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

it('re-encrypts the SMTP password and the SMS key; the old key no longer opens them', async () => {
  const old = new SecretBox(OLD);
  await checkSecretKey(old);
  await saveSmtp({ host: 'smtp.example.org', port: 465, security: 'tls', user: 'ivan', password: PASSWORD, from: 'tw@example.org' }, old);
  await saveSms({ provider: 'smsru', secret: API_ID, secretKind: 'api_id' }, old);

  const wrong = await rotate({ SECRET_KEY: OTHER, NEW_SECRET_KEY: NEW });
  expect(wrong.code).toBe(1);
  expect(wrong.out).toMatch(/SECRET_KEY \(the current key\) is not the key/);
  expect((await loadSmtpSettings(old))?.password).toBe(PASSWORD); // nothing changed

  const r = await rotate({ SECRET_KEY: OLD, NEW_SECRET_KEY: NEW });
  expect(r.code).toBe(0);
  expect(r.out).toContain('re-encrypted smtp.passwordEnc, sms.secretEnc');
  expect(r.out).not.toContain(PASSWORD);
  expect(r.out).not.toContain(API_ID);

  const fresh = new SecretBox(NEW);
  expect((await loadSmtpSettings(fresh))?.password).toBe(PASSWORD);
  expect((await loadSmsSettings(fresh, loadConfig({})))?.options.secret).toBe(API_ID);
  await expect(checkSecretKey(fresh)).resolves.toBeUndefined();
  await expect(loadSmtpSettings(old)).rejects.toThrow(/cannot decrypt/);
  await expect(checkSecretKey(old)).rejects.toThrow(/SECRET_KEY is not the key/);
});

it('refuses without a new key, or with the same key, and says what to set', async () => {
  const none = await rotate({ SECRET_KEY: NEW });
  expect(none.code).toBe(2);
  expect(none.out).toMatch(/set NEW_SECRET_KEY/);
  const same = await rotate({ SECRET_KEY: NEW, NEW_SECRET_KEY: NEW });
  expect(same.code).toBe(2);
  expect(same.out).toMatch(/is the current key/);
});
