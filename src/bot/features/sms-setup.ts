/** The steps of the `/sms` conversation that sets the SMS gateway up, and the gateways' names as people read them. */
import { SMS_PROVIDERS, type SmsProviderName } from '../../domain/types.js';
import { UserError } from '../../domain/errors.js';
import { SMS_SECRET_KINDS, checkSmsSender, parseSmsProvider } from '../../services/settings.js';
import type { BotContext } from '../context.js';
import type { Step, Values } from '../conversation.js';

export const PROVIDER_NAMES: Record<SmsProviderName, string> = { smsru: 'sms.ru', smsc: 'SMSC.ru', smsaero: 'SMS Aero', twilio: 'Twilio' };
/** The answer "no sender name" (the account's number sends). */
export const NO_SENDER = '-';

/** What is asked, given what was answered: the secret's kind and the login depend on the gateway. */
export function smsSteps(values: Values): Step[] {
  const p = values.provider as SmsProviderName | undefined;
  const kind = values.kind ?? (p ? SMS_SECRET_KINDS[p][0] : undefined);
  return [
    {
      key: 'provider',
      ask: (ctx) => ctx.t.askSmsProvider,
      buttons: () => [SMS_PROVIDERS.map((x) => ({ text: PROVIDER_NAMES[x], value: x }))],
      parse: (raw) => parseSmsProvider(raw),
    },
    ...(p === 'smsru'
      ? [
          {
            key: 'kind',
            ask: (ctx: BotContext) => ctx.t.askSmsAuth,
            buttons: (ctx: BotContext) => [
              [
                { text: ctx.t.authApiId, value: 'api_id' },
                { text: ctx.t.authLogin, value: 'password' },
              ],
            ],
            parse: (raw: string) => {
              const v = raw.trim().toLowerCase();
              if (v !== 'api_id' && v !== 'password') throw new UserError('sms_value_invalid', { key: 'auth', value: raw });
              return v;
            },
          },
        ]
      : []),
    ...(kind && kind !== 'api_id' ? [{ key: 'login', ask: (ctx: BotContext) => ctx.t.askSmsLogin(p ?? '') }] : []),
    {
      key: 'secret',
      secret: true,
      ask: (ctx) => (kind === 'api_id' ? ctx.t.askSmsApiId : ctx.t.askSmsSecret(kind ?? 'password')),
    },
    {
      key: 'sender',
      ask: (ctx) => ctx.t.askSmsSender(p ?? ''),
      buttons: (ctx) => (p === 'twilio' ? [] : [[{ text: ctx.t.noSender, value: NO_SENDER }]]),
      parse: (raw) => (raw.trim() === NO_SENDER && p !== 'twilio' ? NO_SENDER : checkSmsSender(p ?? 'smsru', raw)),
    },
  ];
}
