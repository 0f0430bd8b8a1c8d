/** Time zone names as people type them: suggestions for a name that is not an IANA zone. */
import { UserError } from './errors.js';

/** Russian city names of the zones people here use most, for `/tz Москва`. */
const RUSSIAN_CITIES: Record<string, string> = {
  калининград: 'Europe/Kaliningrad',
  москва: 'Europe/Moscow',
  питер: 'Europe/Moscow',
  'санкт-петербург': 'Europe/Moscow',
  самара: 'Europe/Samara',
  екатеринбург: 'Asia/Yekaterinburg',
  омск: 'Asia/Omsk',
  новосибирск: 'Asia/Novosibirsk',
  красноярск: 'Asia/Krasnoyarsk',
  иркутск: 'Asia/Irkutsk',
  якутск: 'Asia/Yakutsk',
  владивосток: 'Asia/Vladivostok',
  магадан: 'Asia/Magadan',
  камчатка: 'Asia/Kamchatka',
  'петропавловск-камчатский': 'Asia/Kamchatka',
  минск: 'Europe/Minsk',
  алматы: 'Asia/Almaty',
  ташкент: 'Asia/Tashkent',
};

/** Up to three IANA zones that `raw` may mean: a Russian city, or zones whose city part contains it. */
export function suggestZones(raw: string): string[] {
  const word = raw.trim().toLowerCase();
  if (word.length < 3) return [];
  const city = RUSSIAN_CITIES[word];
  if (city) return [city];
  const key = word.replace(/\s+/g, '_');
  return Intl.supportedValuesOf('timeZone')
    .filter((z) => z.toLowerCase().split('/').pop()!.includes(key) || z.toLowerCase() === key)
    .slice(0, 3);
}

/** The error for a time zone that is not one, with what it may mean. */
export function timeZoneError(raw: string): UserError {
  const suggest = suggestZones(raw);
  return new UserError('tz_invalid', { value: raw.trim(), ...(suggest.length ? { suggest: suggest.join(', ') } : {}) });
}
