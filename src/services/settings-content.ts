/** What notifications say and when they go: templates and the dispatch schedule. */
import { CronExpressionParser } from 'cron-parser';
import { unknownPlaceholders, type TemplateKind } from '../domain/templates.js';
import { UserError } from './errors.js';
import { getSettings, saveBumped, type SettingsDoc } from './settings-doc.js';

// ---- templates --------------------------------------------------------------------------------------

export const TEMPLATE_KINDS: readonly TemplateKind[] = ['email_subject', 'email_body', 'sms'];
const TEMPLATE_FIELD = { email_subject: 'emailSubject', email_body: 'emailBody', sms: 'sms' } as const;
const TEMPLATE_MAX: Record<TemplateKind, number> = { email_subject: 300, email_body: 4000, sms: 1000 };

export function parseTemplateKind(raw: string): TemplateKind {
  const k = raw.trim().toLowerCase().replace('-', '_');
  const alias: Record<string, TemplateKind> = { subject: 'email_subject', body: 'email_body', смс: 'sms' };
  const kind = (TEMPLATE_KINDS as readonly string[]).includes(k) ? (k as TemplateKind) : alias[k];
  if (!kind) throw new UserError('template_kind_unknown', { value: raw.trim(), values: TEMPLATE_KINDS.join(', ') });
  return kind;
}

/** The saved template of this kind, or undefined when the default applies. */
export async function getTemplate(kind: TemplateKind): Promise<string | undefined> {
  const t = (await getSettings()).templates;
  return t?.[TEMPLATE_FIELD[kind]] || undefined;
}

/** All saved templates, by kind (absent: the default applies). */
export async function loadTemplates(): Promise<Partial<Record<TemplateKind, string>>> {
  const out: Partial<Record<TemplateKind, string>> = {};
  for (const kind of TEMPLATE_KINDS) {
    const t = await getTemplate(kind);
    if (t) out[kind] = t;
  }
  return out;
}

/** Saves a template (null: back to the default). Unknown placeholders are refused. */
export async function saveTemplate(kind: TemplateKind, text: string | null, opts: { expectedVersion?: number } = {}): Promise<SettingsDoc> {
  const doc = await getSettings();
  if (text !== null) {
    const body = text.trim();
    if (!body) throw new UserError('text_empty');
    if (body.length > TEMPLATE_MAX[kind]) throw new UserError('template_too_long', { max: TEMPLATE_MAX[kind], length: body.length });
    const unknown = unknownPlaceholders(body);
    if (unknown.length) throw new UserError('template_unknown_placeholders', { unknown: unknown.join(' ') });
    doc.set(`templates.${TEMPLATE_FIELD[kind]}`, body);
  } else {
    doc.set(`templates.${TEMPLATE_FIELD[kind]}`, undefined);
  }
  return saveBumped(doc, opts.expectedVersion);
}

// ---- schedule ---------------------------------------------------------------------------------------

export type Schedule = { kind: 'interval'; everyMinutes: number } | { kind: 'cron'; cron: string } | { kind: 'off' };

export function checkCron(expr: string): string {
  const cron = expr.trim().replace(/\s+/g, ' ');
  const fields = cron.split(' ').length;
  if (fields < 5 || fields > 6) throw new UserError('cron_invalid', { value: cron });
  try {
    CronExpressionParser.parse(cron, { strict: false });
  } catch {
    throw new UserError('cron_invalid', { value: cron });
  }
  return cron;
}

/**
 * What people type after /schedule: `every 5 min`, `каждые 5 мин`, `5` (minutes), a cron expression
 * (`*\/10 * * * *`), or `off`.
 */
export function parseSchedule(raw: string): Schedule {
  const s = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (['off', 'выкл', 'нет', 'stop'].includes(s)) return { kind: 'off' };
  const every = /^(?:every|каждые|каждую|каждый|раз в)?\s*(\d{1,4})\s*(m|min|mins|minutes?|м|мин|минут[уы]?)?$/.exec(s);
  if (every && (every[2] || !s.includes(' ') || /^(every|кажд|раз)/.test(s))) {
    return { kind: 'interval', everyMinutes: Number(every[1]) };
  }
  const everyHour = /^(?:every|каждый|раз в) ?(hour|час)$/.exec(s);
  if (everyHour) return { kind: 'interval', everyMinutes: 60 };
  if (s.split(' ').length >= 5) return { kind: 'cron', cron: checkCron(raw) };
  throw new UserError('schedule_invalid', { value: raw.trim() });
}

export async function saveSchedule(schedule: Schedule, opts: { expectedVersion?: number } = {}): Promise<SettingsDoc> {
  const doc = await getSettings();
  if (schedule.kind === 'interval') {
    if (!Number.isInteger(schedule.everyMinutes) || schedule.everyMinutes < 1 || schedule.everyMinutes > 1440) {
      throw new UserError('schedule_invalid', { value: String(schedule.everyMinutes) });
    }
    doc.set('schedule', { kind: 'interval', everyMinutes: schedule.everyMinutes });
  } else if (schedule.kind === 'cron') {
    doc.set('schedule', { kind: 'cron', cron: checkCron(schedule.cron) });
  } else {
    doc.set('schedule', { kind: 'off' });
  }
  return saveBumped(doc, opts.expectedVersion);
}

export async function getSchedule(): Promise<Schedule> {
  const s = (await getSettings()).schedule;
  if (s?.kind === 'cron' && s.cron) return { kind: 'cron', cron: s.cron };
  if (s?.kind === 'off') return { kind: 'off' };
  return { kind: 'interval', everyMinutes: s?.everyMinutes ?? 1 };
}
