/**
 * A mistake of the person using taskwatch (bad input, unknown task, missing address): the bot turns
 * its `code` and `params` into a localized message. Anything else thrown is a bug and gets an error id.
 */
export type UserErrorCode =
  | 'email_invalid'
  | 'phone_invalid'
  | 'tz_invalid'
  | 'quiet_invalid'
  | 'lang_invalid'
  | 'person_not_found'
  | 'person_ambiguous'
  // contacts: unique, and a person's own confirmed by a code (src/services/contact-codes.ts)
  | 'contact_taken'
  | 'contact_taken_private'
  | 'contact_unchanged'
  | 'code_too_many'
  | 'code_sms_off'
  | 'code_sms_day_limit'
  | 'code_channel_missing'
  | 'code_send_failed'
  | 'code_form'
  | 'code_none'
  | 'code_expired'
  | 'code_tries_used'
  | 'code_wrong'
  | 'last_admin'
  | 'task_number_invalid'
  | 'task_not_found'
  | 'field_unknown'
  | 'title_empty'
  | 'title_too_long'
  | 'text_empty'
  | 'text_too_long'
  | 'status_invalid'
  | 'priority_invalid'
  | 'due_invalid'
  | 'no_change'
  | 'edit_busy'
  | 'channel_unknown'
  | 'channels_empty'
  | 'channel_no_address'
  | 'not_watching'
  | 'template_kind_unknown'
  | 'template_unknown_placeholders'
  | 'template_too_long'
  | 'schedule_invalid'
  | 'cron_invalid'
  | 'smtp_url_invalid'
  | 'smtp_host_invalid'
  | 'smtp_port_invalid'
  | 'smtp_security_invalid'
  | 'smtp_from_invalid'
  | 'smtp_from_missing'
  | 'smtp_not_configured'
  | 'sms_provider_unknown'
  | 'sms_key_unknown'
  | 'sms_value_invalid'
  | 'sms_incomplete'
  | 'sms_sender_invalid'
  | 'sms_not_configured'
  // task access
  | 'task_change_denied'
  | 'observe_others_denied'
  | 'on_off_invalid'
  | 'person_ref_invalid'
  | 'phone_not_mobile'
  | 'phone_country_refused'
  | 'sms_countries_invalid'
  | 'send_all_denied'
  | 'send_cooldown'
  // membership
  | 'invite_args_invalid'
  | 'settings_conflict'
  | 'smtp_insecure_login'
  // people without Telegram (issue 12)
  | 'person_name_invalid'
  | 'person_contact_missing'
  | 'person_has_telegram'
  | 'url_without_source'
  // digest modes (issue 11)
  | 'digest_invalid'
  // answering a notification (issue 23)
  | 'reply_undo_gone'
  | 'reply_undo_late'
  | 'reply_text_only'
  // reminders and escalation (issue 24)
  | 'remind_invalid'
  | 'escalate_invalid';

export type UserErrorParams = Record<string, string | number>;

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    readonly params: UserErrorParams = {},
  ) {
    super(`${code}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ''}`);
  }
}
