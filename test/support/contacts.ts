/**
 * A member's own e-mail or phone, set the way a person sets it: the command, the code from the letter (the
 * SMTP sink) or the SMS (the sms.ru double), and the code sent back to the bot as bare digits.
 */
import { saveLoopbackGateways } from './gateway-settings.js';
import type { TestBot, TestUser } from './bot-api.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { startSmsRuDouble, type SmsRuDouble } from './smsru-double.js';

const CODE = /(\d{6})/;
/** The bot's answer when the address is the person's already: no code is sent. */
const ALREADY = /уже ваш|is your .* already/;

/** Sends `/email <address>`, reads the code from the letter it sent, sends the code back; the bot's last answer. */
export async function confirmEmail(user: TestUser, address: string, sink: Pick<SmtpSink, 'messages'>): Promise<string> {
  const before = sink.messages.length;
  const asked = await user.say(`/email ${address}`);
  if (ALREADY.test(asked)) return asked;
  const letter = sink.messages.slice(before).find((m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase()));
  const code = CODE.exec(letter?.subject ?? '')?.[1];
  if (!code) throw new Error(`no letter with a code reached ${address}; the bot answered: ${asked}`);
  return user.say(code);
}

/** Sends `/phone <typed>`, reads the code from the SMS it sent, sends the code back; the bot's last answer. */
export async function confirmPhone(user: TestUser, typed: string, sms: Pick<SmsRuDouble, 'accepted'>): Promise<string> {
  const before = sms.accepted.length;
  const asked = await user.say(`/phone ${typed}`);
  if (ALREADY.test(asked)) return asked;
  const code = CODE.exec(sms.accepted.slice(before).find((a) => a.msg.includes('taskwatch'))?.msg ?? '')?.[1];
  if (!code) throw new Error(`no SMS with a code was sent for ${typed}; the bot answered: ${asked}`);
  return user.say(code);
}

/**
 * A mail server and an sms.ru gateway (loopback doubles) saved in the settings before the file's tests, so
 * that members can confirm their addresses; call after useTestBot.
 */
export function useCodeChannels(tb: TestBot): { sink: SmtpSink; sms: SmsRuDouble } {
  const out = {} as { sink: SmtpSink; sms: SmsRuDouble };
  beforeAll(async () => {
    out.sink = await startSmtpSink();
    out.sms = await startSmsRuDouble({ apiId: 'test-api-id', senders: ['TaskWatch'] });
    await saveLoopbackGateways(tb.secrets, out.sink.port);
    tb.config.SMSRU_BASE_URL = out.sms.baseUrl;
  });
  afterAll(async () => {
    await out.sink?.close();
    await out.sms?.close();
  });
  return out;
}
