/** The one-line form of the SMTP settings the admin types: `/smtp smtps://login:password@host:465 sender`. */
import { smtpPortFor, smtpSecurityFor, SMTP_SECURITIES, type SmtpSecurity, type SmtpSettings } from './gateways.js';

const URL_HINT = 'expected smtps://login:password@host:465 or smtp://login:password@host:587 (URL-encode special characters)';

/**
 * Parses `smtps://login:password@host:465` (TLS, default port 465) or `smtp://login:password@host:587`
 * (STARTTLS on 587, plain otherwise, default port 587); `?security=none|starttls|tls` overrides.
 * Login and password are URL-decoded. Throws an Error that never repeats the password.
 */
export function parseSmtpUrl(url: string): Omit<SmtpSettings, 'from'> {
  const fail = (why: string): never => {
    throw new Error(`Bad SMTP URL: ${why}; ${URL_HINT}`);
  };
  const text = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) fail('it does not start with smtps:// or smtp://');
  if (scheme !== 'smtp' && scheme !== 'smtps') fail(`unknown scheme "${scheme}:"`);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail('it cannot be parsed');
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) fail('the host is missing');
  if (u.pathname && u.pathname !== '/') fail('unexpected path after the host');
  if (u.hash) fail('unexpected "#" part');
  let port = smtpPortFor(scheme === 'smtps' ? 'tls' : 'starttls');
  if (u.port) {
    port = Number(u.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail('bad port');
  }
  // smtp:// never means TLS from the start, whatever the port: plain, or STARTTLS on its port.
  let security: SmtpSecurity = scheme === 'smtps' ? 'tls' : smtpSecurityFor(port) === 'starttls' ? 'starttls' : 'none';
  for (const [key, value] of u.searchParams) {
    if (key !== 'security') fail(`unknown parameter "${key}"`);
    if (!(SMTP_SECURITIES as readonly string[]).includes(value)) fail(`security must be ${SMTP_SECURITIES.join(', ')}`);
    security = value as SmtpSecurity;
  }
  const decode = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return fail(`the ${what} is not properly URL-encoded`);
    }
  };
  const result: Omit<SmtpSettings, 'from'> = { host, port, security };
  if (u.username || u.password) {
    if (!u.username) fail('the login is missing');
    if (!u.password) fail('the password is missing');
    result.user = decode(u.username, 'login');
    result.password = decode(u.password, 'password');
  }
  return result;
}
