import type { Language } from '../domain/types.js';
import { UserError } from '../domain/errors.js';
import { en } from './en.js';
import { ru, type Texts } from './ru.js';

export type { Texts };

const TEXTS: Record<Language, Texts> = { ru, en };

export function texts(language: string | undefined): Texts {
  return TEXTS[language as Language] ?? ru;
}

/** The localized message of a UserError. */
export function userErrorText(t: Texts, err: UserError): string {
  return t.errors[err.code](err.params);
}
