import type { Channel } from '../domain/types.js';
import type { FailureCause } from './channels/types.js';

const CHANNEL = {
  ru: { email: 'E-mail', sms: 'SMS', telegram: 'Telegram' },
  en: { email: 'E-mail', sms: 'SMS', telegram: 'Telegram' },
} as const;

/** The text admins get for a cause, in both languages; undefined for causes not worth an alert. */
export function alertFor(
  cause: FailureCause,
  channel: Channel,
  reason: string,
  person: { name: string; address: string },
  retrying: boolean,
): { ru: string; en: string } | undefined {
  const waitRu = retrying ? ' Уведомления ждут и уйдут после исправления.' : '';
  const waitEn = retrying ? ' Notifications wait and go out once it is fixed.' : '';
  switch (cause) {
    case 'auth':
      return channel === 'email'
        ? {
            ru: `почтовый сервер отказал во входе: ${reason}. Проверьте логин и пароль: /smtp, затем /smtp test.${waitRu}`,
            en: `the mail server refused the login: ${reason}. Check the login and password with /smtp, then /smtp test.${waitEn}`,
          }
        : {
            ru: `${CHANNEL.ru[channel]}: доступ отклонён (${reason}). Проверьте настройки: /sms, затем /sms test.${waitRu}`,
            en: `${CHANNEL.en[channel]}: access refused (${reason}). Check the settings with /sms, then /sms test.${waitEn}`,
          };
    case 'balance':
      return {
        ru: `на счёте SMS-шлюза нет денег (${reason}). Пополните баланс; /sms balance покажет остаток.`,
        en: `the SMS gateway account has no money (${reason}). Top it up; /sms balance shows what is left.`,
      };
    case 'sender':
      return {
        ru: `SMS-шлюз не принимает имя отправителя (${reason}). Согласуйте его на сайте шлюза или очистите: /sms sender=off. /sms senders покажет согласованные имена.`,
        en: `the SMS gateway does not accept the sender name (${reason}). Get it approved on the gateway's site or clear it: /sms sender=off. /sms senders lists approved names.`,
      };
    case 'address':
      return {
        ru: `уведомления для ${person.name} (${CHANNEL.ru[channel]}: ${person.address}) не доставляются: ${reason}. Исправьте адрес: /email или /phone.`,
        en: `notifications to ${person.name} (${CHANNEL.en[channel]}: ${person.address}) fail: ${reason}. Fix the address with /email or /phone.`,
      };
    case 'config':
      return {
        ru: `${CHANNEL.ru[channel]}-уведомления ждут: ${reason}.`,
        en: `${CHANNEL.en[channel]} notifications are waiting: ${reason}.`,
      };
    default:
      return undefined;
  }
}
