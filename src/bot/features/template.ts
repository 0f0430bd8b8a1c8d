/** Notification templates (admin): `/template <email_subject|email_body|sms> [text|default]`, with a preview. */
import { Composer } from 'telegraf';
import { DEFAULT_TEMPLATES, type TemplateKind } from '../../domain/templates.js';
import { renderPreview } from '../../domain/template-preview.js';
import { notificationWords } from '../../i18n/notification-words.js';
import { fitSms } from '../../domain/sms-segments.js';
import { TEMPLATE_KINDS, getTemplate, loadSmsMaxParts, parseTemplateKind, saveTemplate } from '../../services/settings.js';
import { adminOnly } from '../access.js';
import { commandPayload, splitFirst } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, seenVersion, startConversation, type Step } from '../conversation.js';
import { UserError } from '../../domain/errors.js';
import type { Feature } from '../feature.js';
import { clip } from '../format.js';
import { firstMissing } from '../steps.js';

const RESET_WORDS = ['default', 'reset', 'по умолчанию', 'сброс'];

/**
 * The template rendered with a sample change. An SMS is shown as it would be sent: with GSM-7 stand-ins,
 * cut to the admin's part limit, with its encoding, length and parts.
 */
async function preview(ctx: BotContext, kind: TemplateKind, template: string): Promise<string> {
  const text = renderPreview(kind, template, notificationWords(ctx.person.language));
  if (kind !== 'sms') return ctx.t.templatePreview(text);
  const maxParts = await loadSmsMaxParts();
  const fitted = fitSms(text, maxParts);
  const a = fitted.analysis;
  return [
    ctx.t.templatePreview(fitted.text),
    ctx.t.smsStats(a.encoding, a.units, a.parts),
    ctx.t.smsPartLimit(maxParts, fitted.truncated),
  ].join('\n');
}

async function current(ctx: BotContext, kind: TemplateKind): Promise<{ text: string; isDefault: boolean }> {
  const saved = await getTemplate(kind);
  return saved ? { text: saved, isDefault: false } : { text: DEFAULT_TEMPLATES[ctx.person.language][kind], isDefault: true };
}

async function show(ctx: BotContext, kind: TemplateKind): Promise<void> {
  const { text, isDefault } = await current(ctx, kind);
  const t = ctx.t;
  await ctx.reply(
    clip(
      [
        t.templateShow(kind, t.templateKindName[kind] ?? kind, text, isDefault),
        '',
        await preview(ctx, kind, text),
        '',
        t.templateHelp(kind),
      ].join('\n'),
    ),
  );
}

async function set(ctx: BotContext, kind: TemplateKind, raw: string, expectedVersion?: number): Promise<void> {
  try {
    await setOrThrow(ctx, kind, raw, expectedVersion);
  } catch (err) {
    if (!(err instanceof UserError) || err.code !== 'settings_conflict') throw err;
    await ctx.reply(ctx.t.settingsConflict);
    await show(ctx, kind);
  }
}

async function setOrThrow(ctx: BotContext, kind: TemplateKind, raw: string, expectedVersion?: number): Promise<void> {
  if (RESET_WORDS.includes(raw.trim().toLowerCase())) {
    await saveTemplate(kind, null, { expectedVersion });
    const { text } = await current(ctx, kind);
    await ctx.reply(clip(`${ctx.t.templateReset(kind)}\n\n${await preview(ctx, kind, text)}`));
    return;
  }
  await saveTemplate(kind, raw, { expectedVersion });
  await ctx.reply(clip(`${ctx.t.templateSaved(kind)}\n\n${await preview(ctx, kind, raw.trim())}`));
}

export function templateFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();
  const kindStep: Step = {
    key: 'kind',
    ask: (ctx) => ctx.t.templatesTitle,
    buttons: (ctx) => [TEMPLATE_KINDS.map((k) => ({ text: ctx.t.templateKindName[k] ?? k, value: k }))],
    parse: (raw) => parseTemplateKind(raw),
  };
  const textStep: Step = {
    key: 'text',
    ask: async (ctx, v) => {
      const kind = v.kind as TemplateKind;
      const { text, isDefault } = await current(ctx, kind);
      const t = ctx.t;
      return clip(`${t.templateShow(kind, t.templateKindName[kind] ?? kind, text, isDefault)}\n\n${t.askTemplateText(kind)}`);
    },
  };
  const scene = conversation(
    {
      id: 'conv:template',
      next: (v) => firstMissing([kindStep, textStep], v),
      admin: true,
      versioned: true,
      finish: (ctx, v) => set(ctx, v.kind as TemplateKind, v.text!, seenVersion(v)),
    },
    deps.secrets,
  );

  c.command('template', adminOnly, async (ctx) => {
    const [rawKind, text] = splitFirst(commandPayload(ctx));
    if (!rawKind) return startConversation(ctx, 'conv:template');
    const kind = parseTemplateKind(rawKind);
    return text ? set(ctx, kind, text) : show(ctx, kind);
  });

  return { composer: c, scenes: [scene] };
}
