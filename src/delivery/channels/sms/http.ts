/**
 * The one HTTP call every SMS gateway client makes: a timeout, JSON parsing, and the retry decision for
 * failures that are not the gateway's own answer. Secrets never reach an error message.
 */
import fetch, { type RequestInit } from 'node-fetch';
import { scrub } from '../../../logger.js';
import { PermanentDeliveryError, TemporaryDeliveryError } from '../types.js';

export interface JsonRequest {
  /** Provider name for messages, e.g. `sms.ru`. */
  label: string;
  method: 'GET' | 'POST';
  url: string;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Sent as `application/json`. */
  json?: unknown;
  headers?: Record<string, string>;
  /** Whole request, body included, in ms. */
  timeoutMs: number;
  /** Values to cut out of every error message (api_id, password, token). */
  secrets: readonly string[];
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

/**
 * Sends the request and parses the JSON answer. Resolves for 2xx–4xx JSON answers: the caller reads the
 * gateway's own error codes. Throws TemporaryDeliveryError for network errors, timeouts, HTTP 429 and 5xx
 * (with Retry-After in ms) and non-JSON 2xx answers; PermanentDeliveryError for non-JSON 4xx answers
 * (401/403 cause `auth`, others `config`: usually a wrong base URL).
 */
export async function requestJson(req: JsonRequest): Promise<JsonResponse> {
  const where = `${req.label} ${req.method} ${pathOf(req.url)}`;
  const clean = (text: string) => redact(text, req.secrets);
  const init: RequestInit = { method: req.method, headers: { accept: 'application/json', ...req.headers } };
  if (req.form) {
    init.body = new URLSearchParams(req.form).toString();
    init.headers = { ...init.headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  } else if (req.json !== undefined) {
    init.body = JSON.stringify(req.json);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), req.timeoutMs);
  init.signal = controller.signal;
  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const res = await fetch(req.url, init);
    status = res.status;
    retryAfter = res.headers.get('retry-after');
    text = await res.text();
  } catch (err) {
    if (controller.signal.aborted) {
      throw new TemporaryDeliveryError(`${where}: no answer within ${req.timeoutMs} ms`);
    }
    throw new TemporaryDeliveryError(clean(`${where}: ${(err as Error).message}`));
  } finally {
    clearTimeout(timer);
  }

  if (status === 429 || status >= 500) {
    throw new TemporaryDeliveryError(clean(`${where}: HTTP ${status}${excerpt(text)}`), parseRetryAfter(retryAfter));
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const message = clean(`${where}: HTTP ${status}, the answer is not JSON${excerpt(text)}`);
    if (status >= 400) throw new PermanentDeliveryError(message, status === 401 || status === 403 ? 'auth' : 'config', String(status));
    throw new TemporaryDeliveryError(message);
  }
  return { status, body };
}

/** `Retry-After` (seconds, or an HTTP date) in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Removes every secret (and its URL-encoded form) and URL credentials from `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
      out = out.split(form).join('***');
    }
  }
  return scrub(out);
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(bad URL)';
  }
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '';
  return `: ${flat.length > 120 ? `${flat.slice(0, 120)}…` : flat}`;
}

/** A plain object, or undefined: JSON answers are read through this and the two below. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A finite number from a JSON number or numeric string. */
export function num(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** Digits of an E.164 number, without the `+`. */
export function digitsOf(phone: string): string {
  return phone.replace(/\D/g, '');
}
