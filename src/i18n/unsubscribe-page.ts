/** The words of the one-click unsubscribe page (PUBLIC_URL/unsubscribe/…), in ru and en. */

const ru = {
  title: 'Отписка от оповещений',
  ask: (n: number, title?: string) => `Больше не получать оповещения о задании #${n}${title ? ` «${title}»` : ''}?`,
  button: 'Отписаться',
  done: (n: number) => `Готово: оповещений о задании #${n} больше не будет.`,
  notWatching: (n: number) => `Вы уже не получаете оповещений о задании #${n}: отписываться не от чего.`,
  bad: 'Ссылка не подходит: она повреждена или устарела. Чтобы не получать письма, попросите администратора taskwatch.',
};

type PageTexts = typeof ru;

const en: PageTexts = {
  title: 'Unsubscribe from notifications',
  ask: (n, title) => `Stop getting notifications of task #${n}${title ? ` "${title}"` : ''}?`,
  button: 'Unsubscribe',
  done: (n) => `Done: you will get no more notifications of task #${n}.`,
  notWatching: (n) => `You no longer get notifications of task #${n}: there is nothing to stop.`,
  bad: 'This link does not work: it is damaged or old. To stop getting letters, ask your taskwatch admin.',
};

export function unsubscribePageTexts(language: string | undefined): PageTexts {
  return language === 'en' ? en : ru;
}
