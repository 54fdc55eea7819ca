/** Injection tokens of the stores a desk process serves over HTTP (its module provides them). */
export const EVENT_STORE = Symbol('EventStore');
export const READ_MODELS = Symbol('ReadModelStore');
