/**
 * One-click unsubscribe for everyone, Telegram or not (with PUBLIC_URL): `<PUBLIC_URL>/unsubscribe/<payload>`,
 * the payload signed for one person and one task (SecretBox.unsubscribePayload, as the bot's deep link).
 * - GET shows a small page with a button and changes nothing: mail scanners and link previews follow GETs.
 * - POST unsubscribes: the page's button, or a mail client's one-click (RFC 8058: `List-Unsubscribe=One-Click`
 *   in a form body), and answers with a small page.
 * A payload that does not verify gets 400 and a page that says so, and nothing is looked up.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SecretBox } from '../secrets.js';
import type { Logger } from '../logger.js';
import { describeLink, unsubscribeByLink } from '../services/unsubscribe.js';
import { unsubscribePageTexts } from '../i18n/unsubscribe-page.js';
import { UNSUBSCRIBE_PATH } from '../domain/unsubscribe-link.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(reply: FastifyReply, status: number, lang: string, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escape(title)}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">` +
        `${body}</body></html>`,
    );
}

export function registerUnsubscribe(app: FastifyInstance, opts: { secrets: SecretBox; logger: Logger }): void {
  void app.register((scope, _o, done) => {
    // A mail client's one-click POST is a form (urlencoded or multipart); its body says nothing we need.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 4096 }, (_req, _body, next) => next(null, undefined));

    const read = (payload: string) => opts.secrets.readUnsubscribePayload(payload);
    const bad = (reply: FastifyReply) => {
      const t = unsubscribePageTexts(undefined);
      const e = unsubscribePageTexts('en');
      return page(reply, 400, 'ru', t.title, `<p>${escape(t.bad)}</p><p lang="en">${escape(e.bad)}</p>`);
    };

    scope.get<{ Params: { payload: string } }>(`${UNSUBSCRIBE_PATH}/:payload`, async (req, reply) => {
      const link = read(req.params.payload);
      if (!link) return bad(reply);
      const target = await describeLink(link.personId, link.taskNumber);
      if (!target) return bad(reply);
      const t = unsubscribePageTexts(target.language);
      return page(
        reply,
        200,
        target.language,
        t.title,
        `<p>${escape(t.ask(link.taskNumber, target.title))}</p>` +
          `<form method="post"><button type="submit" style="font-size:1.1rem;padding:.5rem 1.5rem">${escape(t.button)}</button></form>`,
      );
    });

    scope.post<{ Params: { payload: string } }>(`${UNSUBSCRIBE_PATH}/:payload`, async (req, reply) => {
      const link = read(req.params.payload);
      if (!link) {
        opts.logger.info('an unsubscribe link that does not verify (web)');
        return bad(reply);
      }
      const r = await unsubscribeByLink(link.personId, link.taskNumber);
      if (!r) return bad(reply);
      opts.logger.info({ person: link.personId, task: link.taskNumber, was: r.was }, 'unsubscribed by the one-click link');
      const t = unsubscribePageTexts(r.language);
      return page(reply, 200, r.language, t.title, `<p>${escape(r.was ? t.done(link.taskNumber) : t.notWatching(link.taskNumber))}</p>`);
    });
    done();
  });
}
