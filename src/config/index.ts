/** Public API of the config module. */
export type { Config, LoadedConfig } from './types.js';
export { SECRET_PATHS } from './types.js';
export { loadConfig, MODULE_NAME, SEARCH_PLACES, type LoadConfigOptions } from './load.js';
export {
  configFileSchema,
  defaultWebUrl,
  DEFAULTS,
  validateConfig,
  type ConfigFile,
  type ValidateOptions,
  type ValidatedConfig,
} from './schema.js';
export { ENV_BINDINGS, envVariablesFor, readEnvOverrides, type EnvBinding, type EnvOverride } from './env.js';
export type { ConfigIssue } from './issues.js';
export {
  makeRedactor,
  MIN_SECRET_LENGTH,
  REDACTED,
  redactSecrets,
  redactUrl,
  secretsOf,
  type SecretSource,
} from './redact.js';
export { isLoopbackHost } from './url.js';
