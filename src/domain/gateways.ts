/**
 * The settings of the mail server and the SMS gateway as the channels take them, with every default and
 * rule about them defined here once: the settings loaders, the admin commands and the channels import them.
 */
import type { SmsProviderName } from './types.js';

export const SMTP_SECURITIES = ['tls', 'starttls', 'none'] as const;
/** `tls`: TLS from the start (465); `starttls`: upgrade required (587); `none`: plain, STARTTLS never tried. */
export type SmtpSecurity = (typeof SMTP_SECURITIES)[number];

/** The port each security mode listens on by convention. */
const SMTP_PORT_OF: Readonly<Record<SmtpSecurity, number>> = { tls: 465, starttls: 587, none: 25 };

/** The conventional port of a security mode: 465 for TLS, 587 for STARTTLS, 25 for plain. */
export function smtpPortFor(security: SmtpSecurity): number {
  return SMTP_PORT_OF[security];
}

/** The security mode a port implies: TLS on 465, STARTTLS on 587, plain elsewhere. */
export function smtpSecurityFor(port: number): SmtpSecurity {
  return port === SMTP_PORT_OF.tls ? 'tls' : port === SMTP_PORT_OF.starttls ? 'starttls' : 'none';
}

/** Security of stored SMTP settings that name none (settings saved before the field existed). */
export const DEFAULT_SMTP_SECURITY: SmtpSecurity = 'starttls';

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  user?: string;
  /** Decrypted; never logged, never in an error message. */
  password?: string;
  /**
   * With `security: 'none'` and a login: the admin allowed the login to go unencrypted. Without it the
   * transport insists on STARTTLS before logging in, so a server without it never sees the password.
   */
  insecureLogin?: boolean;
  /** Sender, `Name <address>` or a bare address. */
  from: string;
}

export const SMS_SECRET_KIND_NAMES = ['api_id', 'password', 'api_key', 'auth_token'] as const;
/** Which kind of secret: `api_id` or `password` (sms.ru), `password` (SMSC), `api_key` (SMS Aero), `auth_token` (Twilio). */
export type SmsSecretKind = (typeof SMS_SECRET_KIND_NAMES)[number];

/** Which secret each provider takes; the first is the default. */
export const SMS_SECRET_KINDS: Readonly<Record<SmsProviderName, readonly SmsSecretKind[]>> = {
  smsru: ['api_id', 'password'],
  smsc: ['password'],
  smsaero: ['api_key'],
  twilio: ['auth_token'],
};

export const SMS_FALLBACKS = ['none', 'telegram', 'email'] as const;
/** Where a notification goes when its SMS fails for good. */
export type SmsFallback = (typeof SMS_FALLBACKS)[number];
/** @defaultValue of the SMS fallback: Telegram, which every person has. */
export const DEFAULT_SMS_FALLBACK: SmsFallback = 'telegram';

/** Longer SMS texts are cut to this many parts, unless an admin sets another number. */
export const DEFAULT_SMS_MAX_PARTS = 3;
/** The most parts an admin may allow (sms.ru refuses a text of more than 8 parts with code 205). */
export const SMS_MAX_PARTS_LIMIT = 8;

export interface SmsProviderOptions {
  /** Gateway base URL, from configuration (SMSRU_BASE_URL …); tests point it at a double on loopback. */
  baseUrl: string;
  /** sms.ru login, SMSC login, SMS Aero e-mail, Twilio Account SID. Absent for sms.ru with api_id. */
  login?: string;
  /** Password, api_id, API key or auth token, decrypted. Never logged. */
  secret: string;
  secretKind: SmsSecretKind;
  /** Approved sender name (Twilio: the From number); absent: the account's default number sends. */
  sender?: string;
  /** Ask the gateway to transliterate Cyrillic (sms.ru `translit=1`). */
  translit?: boolean;
  /** Gateway test mode (sms.ru `test=1`): nothing is sent or charged. */
  testMode?: boolean;
  /** Timeout of every request, in ms. @defaultValue 10_000 */
  timeoutMs?: number;
}

/** The SMS settings as the dispatch engine and the admin commands use them, every default applied. */
export interface SmsSettings {
  provider: SmsProviderName;
  options: SmsProviderOptions;
  maxParts: number;
  fallback: SmsFallback;
}
