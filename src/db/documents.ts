/**
 * Hydrated document types as the models return them. `HydratedDocument<InferSchemaType<…>>` in
 * src/db/models differs from what `Model.create()`/`findById()` return for Change and Settings
 * (versionKey: false), so the services use these.
 */
import type { ChangeModel, SettingsModel } from './models/index.js';

export type SettingsDoc = ReturnType<(typeof SettingsModel)['hydrate']>;
export type ChangeDocument = ReturnType<(typeof ChangeModel)['hydrate']>;
