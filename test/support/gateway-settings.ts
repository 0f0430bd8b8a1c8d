/** The mail server and the sms.ru gateway settings that point at this test's loopback doubles. */
import type { SecretBox } from '../../src/secrets.js';
import type { SmsFallback } from '../../src/domain/gateways.js';
import { saveSms, saveSmtp } from '../../src/services/settings.js';

/** Saves SMTP (the sink on `smtpPort`) and sms.ru (the double's `test-api-id`, sender TaskWatch). */
export async function saveLoopbackGateways(secrets: SecretBox, smtpPort: number, fallback: SmsFallback = 'none'): Promise<void> {
  await saveSmtp({ host: '127.0.0.1', port: smtpPort, security: 'none', from: 'taskwatch <tw@example.org>' }, secrets);
  await saveSms({ provider: 'smsru', secret: 'test-api-id', secretKind: 'api_id', sender: 'TaskWatch', fallback }, secrets);
}
