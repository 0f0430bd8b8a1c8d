/**
 * The one Settings document (`_id: 'global'`) and its loaders. The loaders return fully defaulted values
 * (secrets decrypted), so no caller repeats a default: the dispatch engine, the dry run and the admin
 * commands all read settings through here. Writing (with validation) is in src/services/settings.ts.
 */
import type { Config } from '../config.js';
import type { SecretBox } from '../secrets.js';
import {
  DEFAULT_SMS_FALLBACK,
  DEFAULT_SMS_MAX_PARTS,
  DEFAULT_SMTP_SECURITY,
  SMS_SECRET_KINDS,
  smtpPortFor,
  type SmsProviderOptions,
  type SmsSecretKind,
  type SmsSettings,
  type SmtpSettings,
} from '../domain/gateways.js';
import { scheduleOf, type Schedule } from '../domain/schedule.js';
import { escalationOf, type Escalation } from '../domain/escalation.js';
import { TEMPLATE_KINDS, type TemplateKind } from '../domain/templates.js';
import type { SmsProviderName } from '../domain/types.js';
import { isDuplicateKey } from './duplicate-key.js';
import { claimKey, releaseKeys, releaseStaleClaims } from './claims.js';
import { UserError } from '../domain/errors.js';
import type { SettingsDoc } from './documents.js';
import { SETTINGS_ID, SettingsModel } from './models/index.js';

export type { SettingsDoc };

/** The Settings document, created on first use. */
export async function getSettings(): Promise<SettingsDoc> {
  for (let attempt = 0; ; attempt++) {
    const doc = await SettingsModel.findById(SETTINGS_ID);
    if (doc) return doc;
    try {
      return await SettingsModel.create({ _id: SETTINGS_ID });
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

/** The version the settings are at now (a conversation notes it at its start). */
export async function settingsVersion(): Promise<number> {
  return (await getSettings()).version ?? 0;
}

/**
 * Saves the document as version `n + 1`, `n` being the version it was read at. Two saves racing from
 * the same version meet at the claim `settings-version:<n + 1>` (a unique insert: FerretDB updates are not
 * atomic, so a conditional update could let both through); the loser — and a save whose reader saw an
 * older `expectedVersion` than the stored one — is a `settings_conflict` UserError and changes nothing.
 * Workers rebuild their transports when the version moves.
 */
export async function saveBumped(doc: SettingsDoc, expectedVersion?: number, now = new Date()): Promise<SettingsDoc> {
  const read = doc.version ?? 0;
  if (expectedVersion !== undefined && expectedVersion !== read) throw new UserError('settings_conflict');
  const key = `settings-version:${read + 1}`;
  // A claim left by a process that died before its save would block every later save: the stored
  // version is still `read`, so a claim on `read + 1` older than a save can take is given up.
  await releaseStaleClaims([key], new Date(now.getTime() - STALE_CLAIM_MS));
  if (!(await claimKey(key, 'settings', now))) throw new UserError('settings_conflict');
  doc.version = read + 1;
  try {
    await doc.save();
  } catch (err) {
    await releaseKeys([key]);
    throw err;
  }
  return doc;
}

/** A save takes milliseconds; a claim on the next version this old belongs to a save that never came. */
const STALE_CLAIM_MS = 60_000;

/** Decrypted SMTP settings for the e-mail channel; undefined when not configured. */
export async function loadSmtpSettings(secrets: SecretBox): Promise<SmtpSettings | undefined> {
  const smtp = (await getSettings()).smtp;
  if (!smtp?.host || !smtp.from) return undefined;
  const security = smtp.security ?? DEFAULT_SMTP_SECURITY;
  return {
    host: smtp.host,
    port: smtp.port ?? smtpPortFor(security),
    security,
    ...(smtp.user ? { user: smtp.user } : {}),
    ...(smtp.passwordEnc ? { password: secrets.decrypt(smtp.passwordEnc) } : {}),
    ...(smtp.insecureLogin ? { insecureLogin: true } : {}),
    from: smtp.from,
  };
}

const BASE_URL_KEY = {
  smsru: 'SMSRU_BASE_URL',
  smsc: 'SMSC_BASE_URL',
  smsaero: 'SMSAERO_BASE_URL',
  twilio: 'TWILIO_BASE_URL',
} as const satisfies Record<SmsProviderName, keyof Config>;

/** Decrypted SMS settings for the provider client, every default applied; undefined when not configured. */
export async function loadSmsSettings(secrets: SecretBox, config: Config): Promise<SmsSettings | undefined> {
  const sms = (await getSettings()).sms;
  if (!sms?.provider || !sms.secretEnc) return undefined;
  const provider = sms.provider;
  const options: SmsProviderOptions = {
    baseUrl: config[BASE_URL_KEY[provider]],
    secret: secrets.decrypt(sms.secretEnc),
    secretKind: (sms.secretKind as SmsSecretKind | undefined) ?? SMS_SECRET_KINDS[provider][0]!,
    translit: sms.translit ?? false,
    testMode: sms.testMode ?? false,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    ...(sms.login ? { login: sms.login } : {}),
    ...(sms.sender ? { sender: sms.sender } : {}),
  };
  return {
    provider,
    options,
    maxParts: sms.maxParts ?? DEFAULT_SMS_MAX_PARTS,
    fallback: sms.fallback ?? DEFAULT_SMS_FALLBACK,
  };
}

/** The stored SMS part limit, or the default when the gateway is not configured. */
export async function loadSmsMaxParts(): Promise<number> {
  return (await getSettings()).sms?.maxParts ?? DEFAULT_SMS_MAX_PARTS;
}

/** Where each template kind is kept in the Settings document. */
export const TEMPLATE_FIELD = { email_subject: 'emailSubject', email_body: 'emailBody', sms: 'sms' } as const satisfies Record<
  TemplateKind,
  string
>;

/** The saved template of this kind, or undefined when the default applies. */
export async function getTemplate(kind: TemplateKind): Promise<string | undefined> {
  const t = (await getSettings()).templates;
  return t?.[TEMPLATE_FIELD[kind]] || undefined;
}

/** All saved templates, by kind (absent: the default applies). */
export async function loadTemplates(): Promise<Partial<Record<TemplateKind, string>>> {
  const t = (await getSettings()).templates;
  const out: Partial<Record<TemplateKind, string>> = {};
  for (const kind of TEMPLATE_KINDS) {
    const text = t?.[TEMPLATE_FIELD[kind]];
    if (text) out[kind] = text;
  }
  return out;
}

/** The dispatch schedule, the default when none was saved. */
export async function getSchedule(): Promise<Schedule> {
  return scheduleOf((await getSettings()).schedule);
}

/** Escalation minutes per priority (`/escalate`); empty when none escalates. */
export async function loadEscalation(): Promise<Escalation> {
  return escalationOf((await getSettings()).escalation);
}
