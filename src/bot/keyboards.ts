/** Inline keyboards. Callback data: `ask:<value>` answers a conversation step, `cancel` cancels it. */
import { Markup } from 'telegraf';
import type { InlineKeyboardButton } from 'telegraf/types';
import { CHANNELS, type Channel } from '../domain/types.js';
import type { Texts } from '../i18n/index.js';
import { callbackData } from '../domain/callback-data.js';

export interface Choice {
  text: string;
  value: string;
}

export const CANCEL = callbackData.cancel;

export function cancelButton(t: Texts): InlineKeyboardButton.CallbackButton {
  return Markup.button.callback(`✖ ${t.cancel}`, CANCEL);
}

/** Rows of answers plus a Cancel row. */
export function choices(t: Texts, rows: Choice[][] = []) {
  return Markup.inlineKeyboard([
    ...rows.map((row) => row.map((c) => Markup.button.callback(c.text, callbackData.answer(c.value)))),
    [cancelButton(t)],
  ]);
}

/** Channels as a bit mask, so that the picker keeps its state in the callback data. */
export function channelMask(channels: readonly Channel[]): number {
  return CHANNELS.reduce((m, c, i) => (channels.includes(c) ? m | (1 << i) : m), 0);
}

export function maskChannels(mask: number): Channel[] {
  return CHANNELS.filter((_, i) => mask & (1 << i));
}

/**
 * The channel picker of task `n`: one toggle per channel (✓ when on), Save and Cancel.
 * Data: `pick:<n>:<mask>:<toggle index | save>`.
 */
export function channelPicker(t: Texts, n: number, mask: number) {
  return Markup.inlineKeyboard([
    CHANNELS.map((c, i) => Markup.button.callback(`${mask & (1 << i) ? '✓ ' : ''}${t.channel(c)}`, callbackData.pick(n, mask, i))),
    [
      Markup.button.callback(`💾 ${t.save}`, callbackData.pick(n, mask, 'save')),
      Markup.button.callback(`✖ ${t.cancel}`, callbackData.pickClose),
    ],
  ]);
}

/** Buttons under one task. */
export function taskButtons(t: Texts, n: number, watching: boolean) {
  return Markup.inlineKeyboard([
    [
      Markup.button.callback(t.watchButton, callbackData.channels(n)),
      ...(watching ? [Markup.button.callback(t.unwatchButton, callbackData.unwatch(n))] : []),
    ],
    [
      Markup.button.callback(t.doneButton, callbackData.taskDone(n)),
      Markup.button.callback(t.observersButton, callbackData.taskObservers(n)),
    ],
  ]);
}
