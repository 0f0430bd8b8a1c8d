/**
 * Settings as the bot changes them: SMTP and the SMS gateway here, templates and schedule in
 * templates-and-schedule.ts; each value checked before it is saved. Secrets are stored encrypted with
 * SecretBox; reading (decrypted, defaulted) is in src/db/settings-store.ts, re-exported here so that the bot
 * has one door to settings.
 */
import type { SecretBox } from '../secrets.js';
import { SMS_PROVIDERS, type SmsProviderName } from '../domain/types.js';
import {
  DEFAULT_SMS_FALLBACK,
  DEFAULT_SMS_MAX_PARTS,
  SMS_MAX_PARTS_LIMIT,
  SMS_SECRET_KINDS,
  SMTP_SECURITIES,
  smtpPortFor,
  smtpSecurityFor,
  type SmsFallback,
  type SmsSecretKind,
  type SmtpSecurity,
} from '../domain/gateways.js';
import { parseCountryList } from '../domain/phones.js';
import { UserError } from '../domain/errors.js';
import { getSettings, saveBumped, type SettingsDoc } from '../db/settings-store.js';
import { isEmail } from './contacts.js';

export {
  getSettings,
  saveBumped,
  loadSmtpSettings,
  loadSmsSettings,
  loadSmsMaxParts,
  getTemplate,
  getSchedule,
  type SettingsDoc,
} from '../db/settings-store.js';
export { parseSchedule, type Schedule } from '../domain/schedule.js';
export { TEMPLATE_KINDS } from '../domain/templates.js';
export { SMS_SECRET_KINDS, type SmsFallback, type SmsSecretKind } from '../domain/gateways.js';
export * from './templates-and-schedule.js';

// ---- SMTP -------------------------------------------------------------------------------------------

export interface SmtpInput {
  host?: string;
  port?: number;
  security?: SmtpSecurity;
  /** null clears. */
  user?: string | null;
  /** Plain; stored encrypted. null clears. */
  password?: string | null;
  from?: string;
  /** Allow the login over an unencrypted connection (security `none`); kept until security or login change. */
  insecure?: boolean;
}

/** The address inside `Name <address>`, or the bare address. */
export function senderAddress(from: string): string | undefined {
  const s = from.trim();
  const m = /^(?:"?([^"<>]*)"?\s*)?<([^<>\s]+)>$/.exec(s);
  const address = m ? m[2]! : s;
  return isEmail(address) ? address : undefined;
}

const HOST_RE =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$|^\d{1,3}(\.\d{1,3}){3}$|^\[?[0-9a-f:]+\]?$/i;

export function checkSmtpHost(raw: string): string {
  const host = raw.trim();
  if (!HOST_RE.test(host)) throw new UserError('smtp_host_invalid', { value: host });
  return host;
}

export function checkSmtpPort(raw: string | number): number {
  const port = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError('smtp_port_invalid', { value: String(raw) });
  return port;
}

export function checkSmtpSecurity(raw: string): SmtpSecurity {
  const s = raw.trim().toLowerCase().replace('ssl', 'tls');
  if ((SMTP_SECURITIES as readonly string[]).includes(s)) return s as SmtpSecurity;
  throw new UserError('smtp_security_invalid', { value: raw.trim() });
}

export function checkSmtpFrom(raw: string): string {
  const from = raw.trim();
  if (!senderAddress(from) || /[\r\n]/.test(from)) throw new UserError('smtp_from_invalid', { value: from });
  return from;
}

/** Merges `input` into the SMTP settings (the password encrypted). Host and sender must be known after. */
/** Where a save may be refused because the settings moved on since `expectedVersion` was read. */
export interface SaveOptions {
  /** The settings version the admin saw (a conversation's start); a different stored version is a conflict. */
  expectedVersion?: number;
}

export async function saveSmtp(input: SmtpInput, secrets: SecretBox, opts: SaveOptions = {}): Promise<SettingsDoc> {
  const doc = await getSettings();
  const cur = doc.smtp ?? undefined;
  const next = {
    host: input.host !== undefined ? checkSmtpHost(input.host) : cur?.host,
    port: input.port !== undefined ? checkSmtpPort(input.port) : cur?.port,
    security: input.security ?? cur?.security,
    user: input.user === null ? undefined : input.user?.trim() || cur?.user,
    passwordEnc: input.password === null ? undefined : input.password !== undefined ? secrets.encrypt(input.password) : cur?.passwordEnc,
    from: input.from !== undefined ? checkSmtpFrom(input.from) : cur?.from,
  };
  if (!next.host) throw new UserError('smtp_host_invalid', { value: '' });
  if (!next.from) throw new UserError('smtp_from_missing');
  next.security ??= next.port != null ? smtpSecurityFor(next.port) : 'none';
  next.port ??= smtpPortFor(next.security);
  const sameLogin = next.security === cur?.security && next.user === cur?.user;
  const insecureLogin = next.security === 'none' && !!next.user && (input.insecure ?? (sameLogin && !!cur?.insecureLogin));
  if (next.security === 'none' && next.user && !insecureLogin) throw new UserError('smtp_insecure_login');
  doc.set('smtp', { ...next, insecureLogin: insecureLogin || undefined });
  return saveBumped(doc, opts.expectedVersion);
}

export async function clearSmtp(): Promise<SettingsDoc> {
  const doc = await getSettings();
  doc.set('smtp', undefined);
  return saveBumped(doc);
}

// ---- SMS --------------------------------------------------------------------------------------------

export interface SmsInput {
  provider?: SmsProviderName;
  /** null clears. */
  login?: string | null;
  /** Plain; stored encrypted. */
  secret?: string;
  secretKind?: SmsSecretKind;
  /** null clears: the account's own number sends. */
  sender?: string | null;
  translit?: boolean;
  maxParts?: number;
  fallback?: SmsFallback;
  testMode?: boolean;
}

export function parseSmsProvider(raw: string): SmsProviderName {
  const p = raw
    .trim()
    .toLowerCase()
    .replace(/[.\s_-]/g, '');
  if ((SMS_PROVIDERS as readonly string[]).includes(p)) return p as SmsProviderName;
  throw new UserError('sms_provider_unknown', { value: raw.trim(), values: SMS_PROVIDERS.join(', ') });
}

export function checkSmsSender(provider: SmsProviderName, raw: string): string {
  const s = raw.trim();
  const ok =
    provider === 'twilio'
      ? /^\+\d{6,15}$/.test(s) || /^MG[0-9a-f]{32}$/i.test(s)
      : /^[A-Za-z0-9][A-Za-z0-9 ._&-]{0,10}$/.test(s) || /^\+?\d{3,15}$/.test(s);
  if (!ok) throw new UserError('sms_sender_invalid', { value: s, provider });
  return s;
}

/**
 * Merges `input` into the SMS settings. Choosing another provider starts its credentials afresh.
 * After the merge the provider, its secret and (but for sms.ru's api_id) the login must be known.
 */
export async function saveSms(input: SmsInput, secrets: SecretBox, opts: SaveOptions = {}): Promise<SettingsDoc> {
  const doc = await getSettings();
  const cur = doc.sms ?? undefined;
  const provider = (input.provider ?? cur?.provider) as SmsProviderName | undefined;
  if (!provider) throw new UserError('sms_incomplete', { missing: 'provider' });
  const fresh = input.provider !== undefined && input.provider !== cur?.provider;
  const kinds = SMS_SECRET_KINDS[provider];
  const secretKind = input.secretKind ?? (fresh ? undefined : (cur?.secretKind as SmsSecretKind | undefined)) ?? kinds[0]!;
  if (!kinds.includes(secretKind)) {
    throw new UserError('sms_value_invalid', { key: secretKind, value: provider });
  }
  const next = {
    provider,
    login: input.login === null ? undefined : input.login?.trim() || (fresh ? undefined : cur?.login),
    secretEnc: input.secret !== undefined ? secrets.encrypt(input.secret.trim()) : fresh ? undefined : cur?.secretEnc,
    secretKind,
    sender:
      input.sender === null
        ? undefined
        : input.sender !== undefined
          ? checkSmsSender(provider, input.sender)
          : fresh
            ? undefined
            : cur?.sender,
    translit: input.translit ?? cur?.translit ?? false,
    maxParts: input.maxParts ?? cur?.maxParts ?? DEFAULT_SMS_MAX_PARTS,
    fallback: input.fallback ?? cur?.fallback ?? DEFAULT_SMS_FALLBACK,
    testMode: input.testMode ?? cur?.testMode ?? false,
    countries: cur?.countries?.length ? [...cur.countries] : undefined,
  };
  if (!Number.isInteger(next.maxParts) || next.maxParts < 1 || next.maxParts > SMS_MAX_PARTS_LIMIT) {
    throw new UserError('sms_value_invalid', { key: 'parts', value: String(next.maxParts) });
  }
  if (!next.secretEnc) throw new UserError('sms_incomplete', { missing: secretKind });
  if (secretKind !== 'api_id' && !next.login) throw new UserError('sms_incomplete', { missing: 'login' });
  if (provider === 'twilio' && !next.sender) throw new UserError('sms_incomplete', { missing: 'sender' });
  if (secretKind === 'api_id') next.login = undefined;
  doc.set('sms', next);
  return saveBumped(doc, opts.expectedVersion);
}

/** Removes the gateway. The country restriction of SMS phones is a policy, not the gateway's: it stays. */
export async function clearSms(): Promise<SettingsDoc> {
  const doc = await getSettings();
  const countries = doc.sms?.countries?.length ? [...doc.sms.countries] : undefined;
  doc.set('sms', countries ? { countries } : undefined);
  return saveBumped(doc);
}

/**
 * Restricts SMS phones to these countries (`/sms countries=RU,KZ`; `any` clears), checked when a phone is set.
 * Phones already saved stay. `sms_countries_invalid` for a code that is not an ISO 3166 country.
 */
export async function saveSmsCountries(raw: string): Promise<string[]> {
  const list = parseCountryList(raw);
  if (!list) throw new UserError('sms_countries_invalid', { value: raw.trim() });
  const doc = await getSettings();
  doc.set('sms.countries', list.length ? list : undefined);
  if (!doc.sms?.provider && !list.length) doc.set('sms', undefined);
  await saveBumped(doc);
  return list;
}

/** The countries SMS phones must belong to; empty: any. */
export async function smsCountries(): Promise<string[]> {
  return [...((await getSettings()).sms?.countries ?? [])];
}
