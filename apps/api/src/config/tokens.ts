/** Injection tokens of the API's providers; the stores' are the HTTP edge's, shared with the projector. */
export const APP_CONFIG = Symbol('AppConfig');
export { EVENT_STORE, READ_MODELS } from '@desk/http';
