/** The texts admins get about a delivery failure, in both languages (the Alerter picks each admin's). */
import type { Channel, FailureCause } from '../domain/types.js';
import { en } from './en.js';
import { ru, type Texts } from './ru.js';

/**
 * The alert of a cause, or undefined for causes not worth one. `detail` is the provider's (or server's)
 * own words, quoted as they came; everything around it is in the admin's language.
 */
export function alertFor(
  cause: FailureCause,
  channel: Channel,
  detail: string,
  person: { name: string; address: string },
  retrying: boolean,
): { ru: string; en: string } | undefined {
  const text = (t: Texts): string | undefined => {
    const wait = retrying ? t.alert.waiting : '';
    switch (cause) {
      case 'auth':
        return t.alert.auth(channel, detail) + wait;
      case 'balance':
        return t.alert.balance(detail);
      case 'sender':
        return t.alert.sender(detail);
      case 'address':
        return t.alert.address(person.name, channel, person.address, detail);
      case 'config':
        return t.alert.config[channel];
      case 'limit':
        return t.alert.limit(detail);
      case 'render':
      case 'gone':
      case 'other':
        return undefined;
    }
  };
  const [r, e] = [text(ru), text(en)];
  return r && e ? { ru: r, en: e } : undefined;
}
