/**
 * Errors of the API as RFC 9457 problem details (`application/problem+json`), naming the field at fault in
 * `errors: [{ pointer, detail }]`. A UserError from the services keeps its code and the bot's own text
 * (English, or Russian with `Accept-Language: ru`).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { UserError, type UserErrorCode } from '../../domain/errors.js';
import { texts, userErrorText } from '../../i18n/index.js';
import { apiErrorText } from '../../i18n/api-texts.js';
import type { Logger } from '../../logger.js';

export interface FieldProblem {
  pointer: string;
  detail: string;
}

/** An API answer that is not a success: thrown by handlers, sent by {@link apiErrorHandler}. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldProblem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${code}: ${detail}`);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Content too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

const STATUS_OF: Partial<Record<UserErrorCode, number>> = {
  task_not_found: 404,
  person_not_found: 404,
  task_change_denied: 403,
  observe_others_denied: 403,
  send_all_denied: 403,
  edit_busy: 409,
  settings_conflict: 409,
  // One e-mail or phone names one person: a second is refused, a lookup two people match names them.
  contact_taken: 409,
  person_ambiguous: 409,
};

/** Which body field a service error is about, for its `errors[].pointer`. */
const FIELD_OF: Partial<Record<UserErrorCode, string>> = {
  email_invalid: '/email',
  phone_invalid: '/phone',
  phone_not_mobile: '/phone',
  phone_country_refused: '/phone',
  tz_invalid: '/timezone',
  lang_invalid: '/language',
  title_empty: '/title',
  title_too_long: '/title',
  text_too_long: '/text',
  text_empty: '/text',
  status_invalid: '/status',
  priority_invalid: '/priority',
  due_invalid: '/due',
  channel_no_address: '/channels',
  channels_empty: '/channels',
  person_ref_invalid: '/person',
  person_name_invalid: '/name',
  person_contact_missing: '/email',
};

/** A UserError as a problem; `pointer` overrides where the field is (e.g. `/assignee` for a person). */
export function fromUserError(err: UserError, lang: string | undefined, pointer?: string): ApiProblem {
  const detail = apiErrorText(lang, err.code, err.params) ?? userErrorText(texts(lang), err);
  const status = STATUS_OF[err.code] ?? 422;
  const at = pointer ?? FIELD_OF[err.code];
  return new ApiProblem(status, err.code, detail, at && status === 422 ? [{ pointer: at, detail }] : undefined);
}

export function languageOf(req: FastifyRequest): 'ru' | 'en' {
  return /^ru\b/i.test(String(req.headers['accept-language'] ?? '')) ? 'ru' : 'en';
}

export function sendProblem(reply: FastifyReply, p: ApiProblem): FastifyReply {
  for (const [k, v] of Object.entries(p.headers)) reply.header(k, v);
  const body = {
    type: `/api/v1/problems/${p.code}`,
    title: TITLES[p.status] ?? 'Error',
    status: p.status,
    detail: p.detail,
    code: p.code,
    ...(p.errors ? { errors: p.errors } : {}),
  };
  return reply
    .code(p.status)
    .header('cache-control', 'no-store')
    .type('application/problem+json; charset=utf-8')
    .serializer((b: unknown) => JSON.stringify(b))
    .send(body);
}

/** The words of a validation problem, per language. */
const VALIDATION_WORDS = {
  en: {
    unknown: (f: string) => `unknown field "${f}"`,
    required: (f: string) => `"${f}" is required`,
    oneOf: (values: string) => `must be one of ${values}`,
    type: (type: string) => `must be ${type === 'array' ? 'a list' : type === 'object' ? 'an object' : `a ${type}`}`,
    maxLength: (n: number) => `must be at most ${n} characters`,
    minLength: (n: number) => `must be at least ${n} characters`,
    maxItems: (n: number) => `must have at most ${n} items`,
    minItems: (n: number) => `must have at least ${n} items`,
    minimum: (n: number) => `must be at least ${n}`,
    maximum: (n: number) => `must be at most ${n}`,
    format: (f: string) => `must be a valid ${f}`,
    invalid: 'is not valid',
  },
  ru: {
    unknown: (f: string) => `неизвестное поле «${f}»`,
    required: (f: string) => `нужно поле «${f}»`,
    oneOf: (values: string) => `допустимые значения: ${values}`,
    type: (type: string) =>
      `должно быть ${{ string: 'строкой', number: 'числом', integer: 'целым числом', boolean: 'true или false', array: 'списком', object: 'объектом', null: 'null' }[type] ?? type}`,
    maxLength: (n: number) => `не длиннее ${n} символов`,
    minLength: (n: number) => `не короче ${n} символов`,
    maxItems: (n: number) => `не больше ${n} элементов`,
    minItems: (n: number) => `не меньше ${n} элементов`,
    minimum: (n: number) => `не меньше ${n}`,
    maximum: (n: number) => `не больше ${n}`,
    format: (f: string) => `неверный формат (${f})`,
    invalid: 'неверное значение',
  },
} as const;

const LIMITS = new Set(['maxLength', 'minLength', 'maxItems', 'minItems', 'minimum', 'maximum']);
type Limit = 'maxLength' | 'minLength' | 'maxItems' | 'minItems' | 'minimum' | 'maximum';

interface AjvParams {
  missingProperty?: string;
  additionalProperty?: string;
  allowedValue?: unknown;
  allowedValues?: unknown[];
  type?: string;
  limit?: number;
  format?: string;
}

/**
 * JSON Schema (ajv) errors as field problems, one per field, in the request's language: the allowed values
 * of a union of constants listed once ("must be one of new, in_progress, …"), not one line per constant.
 */
function validationProblems(err: FastifyError, lang: 'ru' | 'en'): FieldProblem[] {
  const w = VALIDATION_WORDS[lang];
  const context = err.validationContext ?? 'body';
  const byField = new Map<string, { allowed: string[]; details: string[] }>();
  for (const v of err.validation ?? []) {
    const params = v.params as AjvParams;
    let pointer = v.instancePath || '';
    if (params.missingProperty) pointer += `/${params.missingProperty}`;
    if (params.additionalProperty) pointer += `/${params.additionalProperty}`;
    const at = context === 'body' ? pointer || '/' : `${context}:${pointer.replace(/^\//, '') || '?'}`;
    const entry = byField.get(at) ?? { allowed: [], details: [] };
    byField.set(at, entry);
    const limit = params.limit ?? 0;
    if (v.keyword === 'const') entry.allowed.push(String(params.allowedValue));
    else if (v.keyword === 'enum') entry.allowed.push(...(params.allowedValues ?? []).map(String));
    else if (v.keyword === 'anyOf' || v.keyword === 'oneOf') continue;
    else if (params.additionalProperty) entry.details.push(w.unknown(params.additionalProperty));
    else if (params.missingProperty) entry.details.push(w.required(params.missingProperty));
    else if (v.keyword === 'type' && params.type) entry.details.push(w.type(params.type));
    else if (LIMITS.has(v.keyword)) entry.details.push(w[v.keyword as Limit](limit));
    else if (v.keyword === 'format') entry.details.push(w.format(params.format ?? ''));
    else entry.details.push(lang === 'en' ? (v.message ?? w.invalid) : w.invalid);
  }
  return [...byField].map(([pointer, e]) => {
    // A union of constants: its allowed values say it all; a type error of its null branch adds nothing.
    const detail = e.allowed.length ? w.oneOf([...new Set(e.allowed)].join(', ')) : [...new Set(e.details)].join('; ') || w.invalid;
    return { pointer, detail };
  });
}

/** The API scope's error handler: every failure leaves as problem+json. */
export function apiErrorHandler(logger: Logger) {
  return (err: FastifyError | ApiProblem | UserError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiProblem) return sendProblem(reply, err);
    if (err instanceof UserError) return sendProblem(reply, fromUserError(err, languageOf(req)));
    const fe = err;
    if (fe.validation) {
      const errors = validationProblems(fe, languageOf(req));
      const status = fe.validationContext === 'body' ? 422 : 400;
      return sendProblem(
        reply,
        new ApiProblem(status, 'validation_failed', errors.map((e) => `${e.pointer}: ${e.detail}`).join('; '), errors),
      );
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        reply.header('connection', 'close');
        return sendProblem(
          reply,
          new ApiProblem(413, 'body_too_large', 'The body is larger than this endpoint takes (64 KB; a tracker delivery 1 MB).'),
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, new ApiProblem(415, 'not_json', 'Send the body as JSON with Content-Type: application/json.'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, new ApiProblem(400, 'body_empty', 'The body is empty; send a JSON object.'));
      default:
        break;
    }
    if (fe.statusCode === 400) return sendProblem(reply, new ApiProblem(400, 'json_invalid', `The body is not valid JSON: ${fe.message}`));
    const errorId = Math.random().toString(16).slice(2, 8).toUpperCase();
    logger.error({ err, errorId, url: req.url }, `API request failed (error id ${errorId})`);
    return sendProblem(reply, new ApiProblem(500, 'internal', `Something went wrong on our side (error id ${errorId}).`));
  };
}
