import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { SMS_PROVIDERS } from '../../domain/types.js';
import { DEFAULT_SMS_FALLBACK, DEFAULT_SMS_MAX_PARTS, SMS_FALLBACKS, SMTP_SECURITIES } from '../../domain/gateways.js';
import { DEFAULT_SCHEDULE } from '../../domain/schedule.js';

/** The one settings document has this `_id`. */
export const SETTINGS_ID = 'global';

const settingsSchema = new Schema(
  {
    _id: { type: String, default: SETTINGS_ID },
    smtp: {
      type: new Schema(
        {
          host: String,
          port: Number,
          /** `tls`: TLS from the start (465); `starttls`: upgrade (587); `none`: plain. */
          security: { type: String, enum: SMTP_SECURITIES },
          user: String,
          /** AES-256-GCM, see src/secrets.ts. */
          passwordEnc: String,
          /** The admin allowed the login over an unencrypted connection (`/smtp … insecure`). */
          insecureLogin: Boolean,
          /** Sender, `Name <address>` or a bare address. */
          from: String,
        },
        { _id: false },
      ),
      default: undefined,
    },
    sms: {
      type: new Schema(
        {
          provider: { type: String, enum: SMS_PROVIDERS },
          /** sms.ru login, SMSC login, SMS Aero e-mail, Twilio Account SID. */
          login: String,
          /** Encrypted password, api_id, API key or auth token. */
          secretEnc: String,
          /** Which kind of secret `secretEnc` holds: password, api_id, api_key or auth_token. */
          secretKind: String,
          /** Approved sender name (or Twilio's From number); absent: the account's number sends. */
          sender: String,
          translit: { type: Boolean, default: false },
          /** Longer texts are cut to this many parts with an ellipsis. */
          maxParts: { type: Number, default: DEFAULT_SMS_MAX_PARTS },
          /** Where a notification goes when its SMS fails for good. */
          fallback: { type: String, enum: SMS_FALLBACKS, default: DEFAULT_SMS_FALLBACK },
          /** Send through the gateway's test mode (sms.ru `test=1`): nothing is sent or charged. */
          testMode: { type: Boolean, default: false },
          /** ISO 3166 codes SMS phones must belong to (`/sms countries=RU,KZ`); absent or empty: any. */
          countries: { type: [String], default: undefined },
        },
        { _id: false },
      ),
      default: undefined,
    },
    templates: {
      type: new Schema({ emailSubject: String, emailBody: String, sms: String }, { _id: false }),
      default: () => ({}),
    },
    schedule: {
      type: new Schema(
        {
          kind: { type: String, enum: ['interval', 'cron', 'off'], default: DEFAULT_SCHEDULE.kind },
          everyMinutes: Number,
          cron: String,
        },
        { _id: false },
      ),
      default: () => ({ ...DEFAULT_SCHEDULE }),
    },
    /**
     * Escalation minutes per priority (`/escalate high 15`): an SMS about a task of that priority waits that
     * long for its person to see the task in Telegram (src/domain/escalation.ts). Absent: no escalation.
     */
    escalation: {
      type: new Schema({ low: Number, normal: Number, high: Number, urgent: Number }, { _id: false }),
      default: undefined,
    },
    /** Bumped on every change, so that workers rebuild transports only when it moved. */
    version: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);

export type Settings = InferSchemaType<typeof settingsSchema>;
export type SettingsDoc = HydratedDocument<Settings>;
export const SettingsModel = model('Settings', settingsSchema);
