/** Saving what notifications say and when they go: templates and the dispatch schedule (read in src/db/settings-store.ts). */
import { TEMPLATE_KINDS, unknownPlaceholders, type TemplateKind } from '../domain/templates.js';
import { checkCron, SCHEDULE_MINUTES, type Schedule } from '../domain/schedule.js';
import { UserError } from '../domain/errors.js';
import { getSettings, saveBumped, TEMPLATE_FIELD, type SettingsDoc } from '../db/settings-store.js';

// ---- templates --------------------------------------------------------------------------------------

const TEMPLATE_MAX: Record<TemplateKind, number> = { email_subject: 300, email_body: 4000, sms: 1000 };

export function parseTemplateKind(raw: string): TemplateKind {
  const k = raw.trim().toLowerCase().replace('-', '_');
  const alias: Record<string, TemplateKind> = { subject: 'email_subject', body: 'email_body', смс: 'sms' };
  const kind = (TEMPLATE_KINDS as readonly string[]).includes(k) ? (k as TemplateKind) : alias[k];
  if (!kind) throw new UserError('template_kind_unknown', { value: raw.trim(), values: TEMPLATE_KINDS.join(', ') });
  return kind;
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

export async function saveSchedule(schedule: Schedule, opts: { expectedVersion?: number } = {}): Promise<SettingsDoc> {
  const doc = await getSettings();
  if (schedule.kind === 'interval') {
    if (
      !Number.isInteger(schedule.everyMinutes) ||
      schedule.everyMinutes < SCHEDULE_MINUTES.min ||
      schedule.everyMinutes > SCHEDULE_MINUTES.max
    ) {
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
